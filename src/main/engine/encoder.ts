// The embedding encoders and how each wants its face: crop size, where the five canonical points sit,
// pixel scaling. Any encoder or a fusion of several yields one L2-normalised vector per face.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { canonicalPoints } from './align';
import type { Point } from '../../shared/face';
import * as dlib from './encoder-dlib';
import { loadGraph } from './models';

export interface EncoderSpec {
  id: string;
  /** Square crop side the network takes. */
  size: number;
  /** Placement of the canonical points (see canonicalPoints): measured on LFW dev, bench/RESULTS.md. */
  zoom: number;
  dy: number;
  dim: number;
  /** Five points the network was trained on, in crop pixels; zoom/dy then scale/shift them about the centre. Default: ArcFace's. */
  template?: Point[];
}

/**
 * dlib's chip layout (get_face_chip_details, 150 px, padding 0.25): its mean face shape's eye centres,
 * nose tip and mouth corners mapped by (0.25 + p) / 1.5 * 150.
 */
export const DLIB_TEMPLATE_150: Point[] = [
  [47.55, 46.6],
  [100.48, 46.6],
  [74.01, 76.56],
  [50.41, 103.02],
  [97.61, 103.02],
];

export const ENCODERS: Record<string, EncoderSpec> = {
  dlib128: { id: 'dlib128', size: 150, zoom: 1, dy: 0, dim: 128, template: DLIB_TEMPLATE_150 },
  faceres: { id: 'faceres', size: 224, zoom: 0.7, dy: 0, dim: 1024 },
  mobilefacenet: { id: 'mobilefacenet', size: 112, zoom: 1, dy: 0, dim: 192 },
  mobileface: { id: 'mobileface', size: 112, zoom: 1, dy: 0, dim: 256 },
};

export function templateFor(spec: EncoderSpec, zoom = spec.zoom, dy = spec.dy): Point[] {
  if (!spec.template) return canonicalPoints(spec.size, zoom, dy);
  const c = spec.size / 2;
  return spec.template.map(([x, y]) => [(x - c) * zoom + c, (y - c) * zoom + c + dy * spec.size]);
}

/** Pixel scaling per encoder: 'insight' = (x-127.5)/128, '01' = x/255, '255' = as is; suffix 'bgr' swaps channels. */
export const DEFAULT_MODE: Record<string, string> = { mobilefacenet: 'insight', faceres: '255', mobileface: '255' };

const graphs = new Map<string, GraphModel>();

export async function load(modelsDir: string, id: string): Promise<void> {
  if (id === 'dlib128') return dlib.load(modelsDir);
  if (!graphs.has(id)) graphs.set(id, await loadGraph(modelsDir, id));
}

export function unload(): void {
  dlib.unload();
  for (const g of graphs.values()) g.dispose();
  graphs.clear();
}

/** crops: n x size x size x 3 RGB 0..255 -> n x dim raw embeddings (caller owns the result). */
export function forward(id: string, crops: tf.Tensor4D, mode?: string): tf.Tensor2D {
  if (id === 'dlib128') return dlib.forward(crops);
  const g = graphs.get(id);
  if (!g) throw new Error(`encoder ${id} not loaded`);
  return tf.tidy(() => {
    let input: tf.Tensor4D;
    const m = mode ?? DEFAULT_MODE[id] ?? '255';
    const src = m.endsWith('bgr') ? (tf.reverse(crops, 3) as tf.Tensor4D) : crops;
    if (m.startsWith('insight')) input = tf.div(tf.sub(src, 127.5), 128) as tf.Tensor4D;
    else if (m.startsWith('01')) input = tf.div(src, 255) as tf.Tensor4D;
    else input = src;
    const res = g.execute(input);
    const outs = Array.isArray(res) ? res : [res];
    const spec = ENCODERS[id];
    const emb = outs.find((t) => t.shape[t.shape.length - 1] === spec.dim) ?? outs[0];
    return tf.reshape(emb, [crops.shape[0], spec.dim]) as tf.Tensor2D;
  });
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}
