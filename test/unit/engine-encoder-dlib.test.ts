// The dlib encoder runs with its scale layers and input normalisation folded into the convolutions.
// This checks the folded network against the layer-by-layer network face-api.js defines, written out
// plainly here from the same weight file, on the backend the app uses.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import * as dlib from '../../src/main/engine/encoder-dlib';
import { loadWeights } from '../../src/main/engine/models';
import { resolveModelsDir } from '../../src/main/engine/paths';

const modelsDir = resolveModelsDir()!;
let raw: tf.NamedTensorMap;

/** face-api.js's faceRecognitionNet, one op per layer as published. */
function reference(crops: tf.Tensor4D): tf.Tensor2D {
  const conv = (x: tf.Tensor4D, p: string, stride: 1 | 2, relu: boolean) => {
    let out = tf.conv2d(x, raw[`${p}/conv/filters`] as tf.Tensor4D, stride, stride === 2 ? 'valid' : 'same');
    out = tf.add(out, raw[`${p}/conv/bias`]);
    out = tf.add(tf.mul(out, raw[`${p}/scale/weights`]), raw[`${p}/scale/biases`]);
    return relu ? tf.relu(out) : out;
  };
  const block = (x: tf.Tensor4D, p: string, down: boolean) => {
    let out = conv(conv(x, `${p}/conv1`, down ? 2 : 1, true), `${p}/conv2`, 1, false);
    if (!down) return tf.relu(tf.add(out, x)) as tf.Tensor4D;
    let pooled = tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
    out = tf.pad(out, [
      [0, 0],
      [0, pooled.shape[1] - out.shape[1]],
      [0, pooled.shape[2] - out.shape[2]],
      [0, 0],
    ]);
    pooled = tf.pad(pooled, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, out.shape[3] - pooled.shape[3]],
    ]);
    return tf.relu(tf.add(pooled, out)) as tf.Tensor4D;
  };
  return tf.tidy(() => {
    const x = tf.div(tf.sub(crops, tf.tensor1d([122.782, 117.001, 104.298])), 256) as tf.Tensor4D;
    let out = tf.maxPool(conv(x, 'conv32_down', 2, true), 3, 2, 'valid');
    const stages: [string, string[]][] = [
      ['', ['conv32_1', 'conv32_2', 'conv32_3']],
      ['conv64_down', ['conv64_1', 'conv64_2', 'conv64_3']],
      ['conv128_down', ['conv128_1', 'conv128_2']],
      ['conv256_down', ['conv256_1', 'conv256_2']],
      ['conv256_down_out', []],
    ];
    for (const [down, blocks] of stages) {
      if (down) out = block(out, down, true);
      for (const p of blocks) out = block(out, p, false);
    }
    return tf.matMul(tf.mean(out, [1, 2]) as tf.Tensor2D, raw.fc as tf.Tensor2D);
  });
}

beforeAll(async () => {
  await initBackend();
  raw = loadWeights(modelsDir, dlib.DLIB_ID);
});
afterAll(() => tf.dispose(Object.values(raw)));

describe('dlib encoder with folded layers', () => {
  it('gives the same descriptor as the layer-by-layer network, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    dlib.load(modelsDir);
    // A face-like range of pixel values; two crops so the batch dimension is exercised too.
    const crops = tf.randomUniform([2, dlib.DLIB_SIZE, dlib.DLIB_SIZE, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const folded = dlib.forward(crops);
    const plain = reference(crops);
    const a = folded.dataSync();
    const b = plain.dataSync();
    expect(folded.shape).toEqual([2, 128]);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    expect(scale).toBeGreaterThan(0.01);
    expect(worst / scale).toBeLessThan(1e-4);
    tf.dispose([crops, folded, plain]);
    dlib.unload();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to run before it is loaded', () => {
    dlib.unload();
    const crops = tf.zeros([1, dlib.DLIB_SIZE, dlib.DLIB_SIZE, 3]) as tf.Tensor4D;
    expect(() => dlib.forward(crops)).toThrow(/not loaded/);
    crops.dispose();
  });
});
