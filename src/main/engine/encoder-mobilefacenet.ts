// MobileFaceNet (Chen et al. 2018) as trained by foamliu/MobileFaceNet (Apache-2.0), rebuilt in tfjs-core
// ops from the weights that scripts/convert-mobilefacenet.mjs takes out of its ONNX export (batch norm
// already folded into each convolution, filters in TF layout):
//   conv1 3x3/2 + ReLU6 -> depthwise 3x3 + ReLU -> pointwise + ReLU
//   -> 15 inverted residual blocks (expand 1x1 + ReLU6, depthwise 3x3 + ReLU6, project 1x1 linear;
//      the input is added back when the block keeps its size)
//   -> conv2 1x1 + ReLU6 -> gdconv: a 7x7 depthwise over the whole 7x7 map -> conv3 1x1 -> 128 values.
// `presence train --mode finetune` retrains the last stage (conv2, gdconv, conv3) on the output of the
// blocks before it (trunk()): a trained model's tail replaces those three layers here (setTail).
// The export pads every 3x3 convolution by one pixel on each side, strided ones included; TF's 'same'
// pads stride-2 layers on the bottom/right only and would shift every map by half a pixel, so the
// padding is given as a number (symmetric) everywhere.
import * as tf from '@tensorflow/tfjs-core';
import { loadWeights } from './models';
import { MOBILEFACENET_DIM, TAIL_LAYERS, TAIL_SHAPES, type MobileFaceNetTail } from './mobilefacenet-tail';

export { MOBILEFACENET_DIM };

export const MOBILEFACENET_ID = 'mobilefacenet-foamliu';
export const MOBILEFACENET_SIZE = 112;
const BLOCKS = 15;
/** Blocks whose depthwise convolution halves the map (56 -> 28 -> 14 -> 7); the others add their input back. */
const STRIDED_BLOCKS = new Set([0, 5, 12]);
/** ImageNet scaling the network was trained with: (v / 255 - mean) / std per RGB channel. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

interface Layer {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}
let layers: Map<string, Layer> | null = null;
/** A trained tail in force (setTail), used instead of the shipped conv2/gdconv/conv3. */
let tail: Map<string, Layer> | null = null;
let inputScale: { offset: tf.Tensor1D; scale: tf.Tensor1D } | null = null;

export function load(modelsDir: string): void {
  if (layers) return;
  const w = loadWeights(modelsDir, MOBILEFACENET_ID);
  const found = new Map<string, Layer>();
  for (const key of Object.keys(w)) {
    if (!key.endsWith('/filter')) continue;
    const name = key.slice(0, -'/filter'.length);
    const bias = w[`${name}/bias`];
    if (!bias) {
      tf.dispose(Object.values(w));
      throw new Error(`MobileFaceNet weights: ${name} has no bias`);
    }
    found.set(name, { filter: w[key] as tf.Tensor4D, bias: bias as tf.Tensor1D });
  }
  if (found.size !== 6 + 3 * BLOCKS) {
    tf.dispose(Object.values(w));
    throw new Error(`MobileFaceNet weights: expected ${6 + 3 * BLOCKS} layers, found ${found.size}`);
  }
  layers = found;
  // (v / 255 - mean) / std == v * (1 / (255 std)) - mean / std
  inputScale = {
    offset: tf.tensor1d(MEAN.map((m, c) => m / STD[c]!)),
    scale: tf.tensor1d(STD.map((s) => 1 / (255 * s))),
  };
}

export function unload(): void {
  setTail(null);
  if (layers) for (const l of layers.values()) tf.dispose([l.filter, l.bias]);
  if (inputScale) tf.dispose([inputScale.offset, inputScale.scale]);
  layers = null;
  inputScale = null;
}

/** Puts a trained tail in force for every later forward (null: the shipped layers again). */
export function setTail(weights: MobileFaceNetTail | null): void {
  if (tail) for (const l of tail.values()) tf.dispose([l.filter, l.bias]);
  tail = null;
  if (!weights) return;
  const made = new Map<string, Layer>();
  for (const name of TAIL_LAYERS) {
    const shape = TAIL_SHAPES[name];
    const w = weights[name];
    if (w.filter.length !== shape.filter.reduce((a, b) => a * b) || w.bias.length !== shape.bias) {
      for (const l of made.values()) tf.dispose([l.filter, l.bias]);
      throw new Error(`MobileFaceNet tail: ${name} has the wrong size`);
    }
    made.set(name, { filter: tf.tensor4d(w.filter, shape.filter), bias: tf.tensor1d(w.bias) });
  }
  tail = made;
}

/** The shipped last stage as plain numbers: where a fine-tune starts from. */
export function shippedTail(): MobileFaceNetTail {
  const read = (name: string) => {
    const l = layers?.get(name);
    if (!l) throw new Error('MobileFaceNet encoder not loaded');
    return { filter: Float32Array.from(l.filter.dataSync()), bias: Float32Array.from(l.bias.dataSync()) };
  };
  return { conv2: read('conv2'), gdconv: read('gdconv'), conv3: read('conv3') };
}

function layer(name: string): Layer {
  const l = tail?.get(name) ?? layers?.get(name);
  if (!l) throw new Error(`MobileFaceNet layer ${name} not loaded`);
  return l;
}

function conv(x: tf.Tensor4D, name: string, activation: 'relu' | 'relu6' | 'linear', stride: 1 | 2 = 1): tf.Tensor4D {
  const { filter, bias } = layer(name);
  const pad = filter.shape[0] === 3 ? 1 : 0;
  return tf.fused.conv2d({ x, filter, bias, strides: stride, pad, activation });
}

function depthwise(
  x: tf.Tensor4D,
  name: string,
  activation: 'relu' | 'relu6' | 'linear',
  stride: 1 | 2 = 1,
): tf.Tensor4D {
  const { filter, bias } = layer(name);
  const pad = filter.shape[0] === 3 ? 1 : 0;
  return tf.fused.depthwiseConv2d({ x, filter, bias, strides: stride, pad, activation });
}

/** crops: n x 112 x 112 x 3, RGB 0..255. Returns n x 128 (not normalised); the caller owns it. */
export function forward(crops: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => tailForward(trunk(crops)));
}

/** The network up to its last stage: n x 7 x 7 x 128 (the caller owns it). */
export function trunk(crops: tf.Tensor4D): tf.Tensor4D {
  if (!layers || !inputScale) throw new Error('MobileFaceNet encoder not loaded');
  const { offset, scale } = inputScale;
  return tf.tidy(() => {
    let x = tf.sub(tf.mul(crops, scale), offset) as tf.Tensor4D;
    x = conv(x, 'conv1', 'relu6', 2);
    x = depthwise(x, 'dw_conv.dw', 'relu');
    x = conv(x, 'dw_conv.pw', 'relu');
    for (let b = 0; b < BLOCKS; b++) {
      const strided = STRIDED_BLOCKS.has(b);
      let y = conv(x, `block${b}.expand`, 'relu6');
      y = depthwise(y, `block${b}.dw`, 'relu6', strided ? 2 : 1);
      y = conv(y, `block${b}.project`, 'linear');
      x = strided ? y : (tf.add(x, y) as tf.Tensor4D);
    }
    return x;
  });
}

/** The last stage, the trained tail's when one is in force: n x 7 x 7 x 128 -> n x 128 (not normalised). */
function tailForward(x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let y = conv(x, 'conv2', 'relu6');
    y = depthwise(y, 'gdconv', 'linear');
    y = conv(y, 'conv3', 'linear');
    return tf.reshape(y, [x.shape[0], MOBILEFACENET_DIM]) as tf.Tensor2D;
  });
}
