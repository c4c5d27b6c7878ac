// What the training loop trains: variables, a differentiable map from input rows to unit vectors, and a
// read-out of the learnt weights as plain numbers. head.ts (the projection head) and tail.ts (the
// MobileFaceNet's last stage) are the two.
import * as tf from '@tensorflow/tfjs-core';

export interface TrainableModel<W> {
  /** Every variable the optimiser updates, in a fixed order (the checkpoint stores them by position). */
  readonly variables: readonly tf.Variable[];
  /** Length of the embeddings apply gives. */
  readonly outputSize: number;
  /** Input rows (batch x input size) to L2-normalised embeddings (batch x outputSize). */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  read(): W;
  /** Variables are not freed by tf.tidy. */
  dispose(): void;
}

/** Rows divided by their L2 norm; the epsilon keeps the gradient finite for a zero row. */
export function normaliseRows(z: tf.Tensor2D): tf.Tensor2D {
  return tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12))) as tf.Tensor2D;
}
