// The MobileFaceNet's last stage as trainable variables (`presence train --mode finetune`), on the frozen
// trunk's output of each face (TRUNK_CELLS x TRUNK_CHANNELS values a row):
//   h = ReLU6(x · W2 + b2)            conv2, a 1x1 convolution: one matrix product per map cell
//   g = sum over cells of h * Wg + bg  gdconv, the 7x7 depthwise convolution over the whole 7x7 map
//   y = normalise(g · W3 + b3)         conv3, 1x1, linear
// the same arithmetic as the engine's convolutions (encoder-mobilefacenet.ts), written with the ops whose
// gradients gradients.ts has. It starts from the shipped weights, so the untrained tail IS the base encoder.
import * as tf from '@tensorflow/tfjs-core';
import { MOBILEFACENET_DIM, TAIL_CHANNELS, TRUNK_CELLS, TRUNK_CHANNELS, type MobileFaceNetTail } from '../engine';
import { normaliseRows, type TrainableModel } from './model';

export const TRUNK_SIZE = TRUNK_CELLS * TRUNK_CHANNELS;

export class TailVariables implements TrainableModel<MobileFaceNetTail> {
  readonly variables: readonly tf.Variable[];
  readonly outputSize = MOBILEFACENET_DIM;
  private readonly w2: tf.Variable;
  private readonly b2: tf.Variable;
  private readonly wg: tf.Variable;
  private readonly bg: tf.Variable;
  private readonly w3: tf.Variable;
  private readonly b3: tf.Variable;

  constructor(initial: MobileFaceNetTail) {
    const v = (values: Float32Array, shape: number[]) => tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
    this.w2 = v(initial.conv2.filter, [TRUNK_CHANNELS, TAIL_CHANNELS]);
    this.b2 = v(initial.conv2.bias, [TAIL_CHANNELS]);
    this.wg = v(initial.gdconv.filter, [TRUNK_CELLS, TAIL_CHANNELS]);
    this.bg = v(initial.gdconv.bias, [TAIL_CHANNELS]);
    this.w3 = v(initial.conv3.filter, [TAIL_CHANNELS, MOBILEFACENET_DIM]);
    this.b3 = v(initial.conv3.bias, [MOBILEFACENET_DIM]);
    this.variables = [this.w2, this.b2, this.wg, this.bg, this.w3, this.b3];
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const n = x.shape[0];
    return tf.tidy(() => {
      const cells = tf.reshape(x, [n * TRUNK_CELLS, TRUNK_CHANNELS]) as tf.Tensor2D;
      const h = tf.relu6(tf.add(tf.matMul(cells, this.w2 as tf.Tensor2D), this.b2));
      const g = tf.add(tf.sum(tf.mul(tf.reshape(h, [n, TRUNK_CELLS, TAIL_CHANNELS]), this.wg), 1), this.bg);
      return normaliseRows(tf.add(tf.matMul(g as tf.Tensor2D, this.w3 as tf.Tensor2D), this.b3) as tf.Tensor2D);
    });
  }

  read(): MobileFaceNetTail {
    const f = (t: tf.Variable) => Float32Array.from(t.dataSync());
    return {
      conv2: { filter: f(this.w2), bias: f(this.b2) },
      gdconv: { filter: f(this.wg), bias: f(this.bg) },
      conv3: { filter: f(this.w3), bias: f(this.b3) },
    };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * Embeddings of trunk rows through a tail, batched (validation, the distance table): unit vectors. Runs on
 * the backend in force; the tensors it makes are freed.
 */
export function embedThroughTail(tail: MobileFaceNetTail, rows: readonly Float32Array[], batch = 256): Float32Array[] {
  if (!rows.length) return [];
  const model = new TailVariables(tail);
  try {
    const out: Float32Array[] = [];
    for (let at = 0; at < rows.length; at += batch) {
      const part = rows.slice(at, at + batch);
      const flat = new Float32Array(part.length * TRUNK_SIZE);
      part.forEach((r, i) => flat.set(r, i * TRUNK_SIZE));
      const y = tf.tidy(() => model.apply(tf.tensor2d(flat, [part.length, TRUNK_SIZE])).dataSync() as Float32Array);
      for (let i = 0; i < part.length; i++) out.push(y.slice(i * MOBILEFACENET_DIM, (i + 1) * MOBILEFACENET_DIM));
    }
    return out;
  } finally {
    model.dispose();
  }
}
