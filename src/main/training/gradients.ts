// The gradient functions the training losses need (the head's, and the fine-tuned last stage's). tfjs-core registers none by itself (the union package
// @tensorflow/tfjs does, which Presence does not ship), and its register_all_gradients module is ES-module
// source that the CommonJS CLI bundle cannot require. These are ported from tfjs-core 4.22
// (src/gradients/*_grad.ts, Apache-2.0) on its public API, and registered only where none is yet (a
// process that loaded the official ones keeps them). test/unit/training-gradients.test.ts checks them
// against finite differences of the training loss.
import * as tf from '@tensorflow/tfjs-core';

const { assertAndGetBroadcastShape, getReductionAxes } = tf.backend_util;

/** The gradient of a broadcasting binary op's input: summed over the broadcast axes, in the input's shape. */
function unbroadcast(grad: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  return tf.reshape(axes.length ? tf.sum(grad, axes) : grad, shape);
}

function binary(kernelName: string, der: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => [tf.Tensor, tf.Tensor]) {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const outShape = assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(der(dy as tf.Tensor, a, b)[0], a.shape, outShape),
        b: () => unbroadcast(der(dy as tf.Tensor, a, b)[1], b.shape, outShape),
      };
    },
  };
}

const float = (t: tf.Tensor) => tf.cast(t, 'float32');

const CONFIGS: tf.GradConfig[] = [
  binary('Add', (dy) => [dy, dy]),
  binary('Sub', (dy) => [dy, tf.neg(dy)]),
  binary('Multiply', (dy, a, b) => [tf.mul(dy, float(b)), tf.mul(dy, float(a))]),
  binary('RealDiv', (dy, a, b) => [tf.div(dy, float(b)), tf.neg(tf.div(tf.mul(dy, float(a)), float(tf.square(b))))]),
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB)
        return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false) };
      if (!transposeA && transposeB)
        return { a: () => tf.matMul(g, b, false, false), b: () => tf.matMul(g, a, true, false) };
      if (transposeA && !transposeB)
        return { a: () => tf.matMul(b, g, false, true), b: () => tf.matMul(a, g, false, false) };
      return { a: () => tf.matMul(b, g, true, true), b: () => tf.matMul(g, a, true, true) };
    },
  },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }) },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(float(saved[0]!), 2)) }),
  },
  {
    kernelName: 'Sqrt',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(float(saved[0]!)), 2)) }),
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, float(tf.step(saved[0]!))) }),
  },
  {
    // 1 where 0 < x <= 6 (tfjs-core's relu6_grad: step(x) * (x <= 6)).
    kernelName: 'Relu6',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => tf.mul(dy as tf.Tensor, tf.mul(float(tf.step(saved[0]!)), float(tf.lessEqual(saved[0]!, 6)))),
    }),
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const expanded = x.shape.slice();
      for (const a of axes) expanded[a] = 1;
      return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.ones(x.shape, 'float32')) };
    },
  },
  {
    // Gather along one axis without batch dimensions (all the loss uses): the upstream gradient is added
    // back onto the gathered entries. Done in plain JS rather than with tfjs-core's unsortedSegmentSum,
    // whose CPU kernel runs one masked sum per segment (4,096 of them for a 64-photo distance matrix).
    // Not differentiable again, which training never asks for.
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved, attrs) => {
      const [x, indices] = saved as [tf.Tensor, tf.Tensor];
      const { axis, batchDims } = attrs as { axis: number; batchDims: number };
      if (batchDims) throw new Error('the training gradients do not cover gather with batch dimensions');
      const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
      return {
        x: () => {
          const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
          const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
          const rows = x.shape[ax]!;
          const idx = indices.dataSync();
          const g = (dy as tf.Tensor).dataSync();
          const out = new Float32Array(x.size);
          for (let o = 0; o < outer; o++)
            for (let t = 0; t < idx.length; t++) {
              const from = (o * idx.length + t) * inner;
              const to = (o * rows + idx[t]!) * inner;
              for (let i = 0; i < inner; i++) out[to + i]! += g[from + i]!;
            }
          return tf.tensor(out, x.shape, 'float32');
        },
        indices: () => tf.zerosLike(indices),
      };
    },
  },
];

let registered = false;

export function registerTrainingGradients(): void {
  if (registered) return;
  for (const c of CONFIGS) if (!tf.getGradient(c.kernelName)) tf.registerGradient(c);
  registered = true;
}
