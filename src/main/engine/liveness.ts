// Passive liveness: human's anti-spoofing CNN scores whether the aligned face looks like a live person
// rather than a printed photo or a screen. It is a hint, not a guarantee; the active challenge is the UI's.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraph } from './models';

export const LIVENESS_ID = 'antispoof';
export const LIVENESS_SIZE = 128;
/** The model was trained on loose face crops: the canonical points sit closer together than ArcFace's. */
export const LIVENESS_ZOOM = 0.85;

let model: GraphModel | null = null;

export async function load(modelsDir: string): Promise<GraphModel> {
  model ??= await loadGraph(modelsDir, LIVENESS_ID);
  return model;
}
export function unload(): void {
  model?.dispose();
  model = null;
}

/** crops: n x 128 x 128 x 3 RGB 0..255 -> n scores 0..1 (1 = live). */
export function predict(crops: Float32Array, n: number): Float32Array {
  if (!model) throw new Error('liveness model not loaded');
  return tf.tidy(() => {
    const input = tf.div(tf.tensor4d(crops, [n, LIVENESS_SIZE, LIVENESS_SIZE, 3]), 255);
    const out = model!.execute(input) as tf.Tensor;
    return tf.clipByValue(out, 0, 1).dataSync() as Float32Array;
  });
}
