// The projection head trained on top of the frozen shipped encoder: y = normalise(x + x.W + b), W (in x in,
// row-major) and b start at zero, so the untrained head IS the base encoder and training starts from
// the encoder's own embedding space rather than from a random one.
import * as tf from '@tensorflow/tfjs-core';

// The head's weights and its inference (no tensors) are the engine's, which runs trained models.
import { applyHead, type HeadWeights } from '../engine';
import { normaliseRows, type TrainableModel } from './model';

export { applyHead, type HeadWeights };

export function identityHead(size: number): HeadWeights {
  return { size, w: new Float32Array(size * size), b: new Float32Array(size) };
}

/** The head's trainable variables. Dispose it when done: variables are not freed by tf.tidy. */
export class HeadVariables implements TrainableModel<HeadWeights> {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly variables: readonly tf.Variable[];
  readonly outputSize: number;

  constructor(readonly initial: HeadWeights) {
    const n = initial.size;
    // tidy frees the initial values: a variable keeps its own reference to their data.
    this.w = tf.tidy(() => tf.variable(tf.tensor2d(initial.w, [n, n]), true));
    this.b = tf.tidy(() => tf.variable(tf.tensor1d(initial.b), true));
    this.variables = [this.w, this.b];
    this.outputSize = n;
  }

  /** Rows of embeddings (batch x size) through the head, L2-normalised. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      return normaliseRows(tf.add(tf.add(x, tf.matMul(x, this.w)), this.b) as tf.Tensor2D);
    });
  }

  read(): HeadWeights {
    return {
      size: this.initial.size,
      w: Float32Array.from(this.w.dataSync()),
      b: Float32Array.from(this.b.dataSync()),
    };
  }

  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}
