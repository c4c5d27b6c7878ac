// dlib's ResNet-34 face descriptor (128-D), as ported by face-api.js: only weights ship, so the network
// is rebuilt here from face-api's layer layout (conv + scale layers, residual blocks, avg-pool shortcut).
import * as tf from '@tensorflow/tfjs-core';
import { loadWeights } from './models';

export const DLIB_ID = 'dlib128';
export const DLIB_SIZE = 150;
/** face-api subtracts these channel means and divides by 256 before the first convolution. */
const MEAN_RGB = [122.782, 117.001, 104.298];

let weights: tf.NamedTensorMap | null = null;

export function load(modelsDir: string): void {
  weights ??= loadWeights(modelsDir, DLIB_ID);
}
export function unload(): void {
  if (weights) tf.dispose(Object.values(weights));
  weights = null;
}

function convLayer(x: tf.Tensor4D, p: string, stride: 1 | 2, relu: boolean): tf.Tensor4D {
  const w = weights!;
  let out = tf.conv2d(x, w[`${p}/conv/filters`] as tf.Tensor4D, stride, stride === 2 ? 'valid' : 'same');
  out = tf.add(out, w[`${p}/conv/bias`]) as tf.Tensor4D;
  out = tf.add(tf.mul(out, w[`${p}/scale/weights`]), w[`${p}/scale/biases`]) as tf.Tensor4D;
  return (relu ? tf.relu(out) : out) as tf.Tensor4D;
}

function residual(x: tf.Tensor4D, p: string): tf.Tensor4D {
  const out = convLayer(convLayer(x, `${p}/conv1`, 1, true), `${p}/conv2`, 1, false);
  return tf.relu(tf.add(out, x)) as tf.Tensor4D;
}

function residualDown(x: tf.Tensor4D, p: string): tf.Tensor4D {
  let out = convLayer(convLayer(x, `${p}/conv1`, 2, true), `${p}/conv2`, 1, false);
  let pooled = tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    out = tf.pad(out, [
      [0, 0],
      [0, pooled.shape[1] - out.shape[1]],
      [0, pooled.shape[2] - out.shape[2]],
      [0, 0],
    ]);
  }
  if (pooled.shape[3] !== out.shape[3])
    pooled = tf.pad(pooled, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, out.shape[3] - pooled.shape[3]],
    ]);
  return tf.relu(tf.add(pooled, out)) as tf.Tensor4D;
}

/** crops: n x 150 x 150 x 3, RGB 0..255. Returns n x 128 (not normalised). */
export function forward(crops: tf.Tensor4D): tf.Tensor2D {
  if (!weights) throw new Error('dlib encoder not loaded');
  return tf.tidy(() => {
    const x = tf.div(tf.sub(crops, tf.tensor1d(MEAN_RGB)), 256) as tf.Tensor4D;
    let out = convLayer(x, 'conv32_down', 2, true);
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, p);
    out = residualDown(out, 'conv64_down');
    for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(out, p);
    out = residualDown(out, 'conv128_down');
    for (const p of ['conv128_1', 'conv128_2']) out = residual(out, p);
    out = residualDown(out, 'conv256_down');
    for (const p of ['conv256_1', 'conv256_2']) out = residual(out, p);
    out = residualDown(out, 'conv256_down_out');
    return tf.matMul(tf.mean(out, [1, 2]) as tf.Tensor2D, weights!.fc as tf.Tensor2D);
  });
}
