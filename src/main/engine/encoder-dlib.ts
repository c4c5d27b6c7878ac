// dlib's ResNet-34 face descriptor (128-D), as ported by face-api.js: only weights ship, so the network
// is rebuilt here from face-api's layer layout (conv + scale layers, residual blocks, avg-pool shortcut).
//
// At load, each convolution's bias and the "scale" layer after it (a per-channel multiply and add) are
// folded into the convolution's own filters and bias, and the input normalisation into the first one, so
// every layer runs as one fused convolution + bias + ReLU (a single XNNPACK call on the WASM backend)
// instead of a convolution followed by four element-wise passes over its output.
import * as tf from '@tensorflow/tfjs-core';
import { loadWeights } from './models';

export const DLIB_ID = 'dlib128';
export const DLIB_SIZE = 150;
/** face-api subtracts these channel means and divides by 256 before the first convolution. */
const MEAN_RGB = [122.782, 117.001, 104.298];
const INPUT_SCALE = 1 / 256;
const FIRST_CONV = 'conv32_down';

interface FoldedConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}
let layers: Map<string, FoldedConv> | null = null;
let fc: tf.Tensor2D | null = null;

/**
 * scale(conv(x, w) + b) * s + t  ==  conv(x, w * s) + (b * s + t), per output channel.
 * For the first layer, x = (crop - mean) / 256 with 'valid' padding (no border), so
 * conv(x, w) = conv(crop, w / 256) - sum over the kernel of w * mean / 256, a per-channel constant.
 */
function fold(w: tf.NamedTensorMap, p: string): FoldedConv {
  return tf.tidy(() => {
    const s = w[`${p}/scale/weights`] as tf.Tensor1D;
    let filter = w[`${p}/conv/filters`] as tf.Tensor4D;
    let bias = w[`${p}/conv/bias`] as tf.Tensor1D;
    if (p === FIRST_CONV) {
      const meanTerm = tf.sum(tf.mul(filter, tf.reshape(tf.tensor1d(MEAN_RGB), [1, 1, 3, 1])), [0, 1, 2]);
      bias = tf.sub(bias, tf.mul(meanTerm, INPUT_SCALE));
      filter = tf.mul(filter, INPUT_SCALE);
    }
    return {
      filter: tf.keep(tf.mul(filter, s)) as tf.Tensor4D,
      bias: tf.keep(tf.add(tf.mul(bias, s), w[`${p}/scale/biases`])) as tf.Tensor1D,
    };
  });
}

export function load(modelsDir: string): void {
  if (layers) return;
  const w = loadWeights(modelsDir, DLIB_ID);
  const folded = new Map<string, FoldedConv>();
  try {
    for (const k of Object.keys(w))
      if (k.endsWith('/conv/filters')) {
        const p = k.slice(0, -'/conv/filters'.length);
        folded.set(p, fold(w, p));
      }
    if (!w.fc) throw new Error('dlib encoder weights have no "fc" layer');
    layers = folded;
    fc = w.fc as tf.Tensor2D;
    delete w.fc;
  } catch (err) {
    for (const l of folded.values()) tf.dispose([l.filter, l.bias]);
    throw err;
  } finally {
    tf.dispose(Object.values(w));
  }
}

export function unload(): void {
  if (layers) for (const l of layers.values()) tf.dispose([l.filter, l.bias]);
  fc?.dispose();
  layers = null;
  fc = null;
}

function convLayer(x: tf.Tensor4D, p: string, stride: 1 | 2, relu: boolean): tf.Tensor4D {
  const { filter, bias } = layers!.get(p)!;
  return tf.fused.conv2d({
    x,
    filter,
    bias,
    strides: stride,
    pad: stride === 2 ? 'valid' : 'same',
    activation: relu ? 'relu' : 'linear',
  });
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
  if (!layers || !fc) throw new Error('dlib encoder not loaded');
  return tf.tidy(() => {
    let out = convLayer(crops, FIRST_CONV, 2, true);
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, p);
    out = residualDown(out, 'conv64_down');
    for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(out, p);
    out = residualDown(out, 'conv128_down');
    for (const p of ['conv128_1', 'conv128_2']) out = residual(out, p);
    out = residualDown(out, 'conv256_down');
    for (const p of ['conv256_1', 'conv256_2']) out = residual(out, p);
    out = residualDown(out, 'conv256_down_out');
    return tf.matMul(tf.mean(out, [1, 2]) as tf.Tensor2D, fc!);
  });
}
