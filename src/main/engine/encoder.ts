// The embedding encoders and how each wants its face: crop size, where the five canonical points sit,
// pixel scaling. Any encoder or a fusion of several yields one L2-normalised vector per face.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { canonicalPoints } from './align';
import type { Point } from '../../shared/face';
import * as dlib from './encoder-dlib';
import * as mobilefacenet from './encoder-mobilefacenet';
import type { MobileFaceNetTail } from './mobilefacenet-tail';
import { loadGraph } from './models';

export interface EncoderSpec {
  id: string;
  /** Square crop side the network takes. */
  size: number;
  /** Placement of the canonical points (see canonicalPoints), chosen on LFW dev subsets: bench/RESULTS.md. */
  zoom: number;
  dy: number;
  dim: number;
  /** Five points the network was trained on, in crop pixels; zoom/dy then scale/shift them about the centre. Default: ArcFace's. */
  template?: Point[];
}

/** dlib's mean face shape, landmarks 17..67 in the unit square (dlib/image_transforms/interpolation.h). */
const DLIB_MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606,
  0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127,
  0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127,
  0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const DLIB_MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852,
  0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792,
  0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];
/** get_face_chip_details(size 150, padding 0.25): the mean shape placed by (0.25 + p) / 1.5 * 150. */
export const DLIB_TEMPLATE51_150: Point[] = DLIB_MEAN_X.map((x, i) => [
  ((0.25 + x) / 1.5) * 150,
  ((0.25 + DLIB_MEAN_Y[i]) / 1.5) * 150,
]);

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
  faceres: { id: 'faceres', size: 224, zoom: 0.85, dy: -0.05, dim: 1024 },
  [mobilefacenet.MOBILEFACENET_ID]: {
    id: mobilefacenet.MOBILEFACENET_ID,
    size: mobilefacenet.MOBILEFACENET_SIZE,
    zoom: 1,
    dy: 0,
    dim: mobilefacenet.MOBILEFACENET_DIM,
  },
  mobilefacenet: { id: 'mobilefacenet', size: 112, zoom: 1, dy: 0, dim: 192 },
  'mobilefacenet-sirius': { id: 'mobilefacenet-sirius', size: 112, zoom: 1, dy: 0, dim: 192 },
  mobileface: { id: 'mobileface', size: 112, zoom: 1, dy: 0, dim: 256 },
};

export function templateFor(spec: EncoderSpec, zoom = spec.zoom, dy = spec.dy): Point[] {
  if (!spec.template) return canonicalPoints(spec.size, zoom, dy);
  const c = spec.size / 2;
  return spec.template.map(([x, y]) => [(x - c) * zoom + c, (y - c) * zoom + c + dy * spec.size]);
}

/** Pixel scaling per encoder: 'insight' = (x-127.5)/128, '01' = x/255, '255' = as is; suffix 'bgr' swaps channels. */
export const DEFAULT_MODE: Record<string, string> = {
  mobilefacenet: 'insight',
  'mobilefacenet-sirius': 'insight',
  faceres: '255',
  mobileface: '255',
};

const graphs = new Map<string, GraphModel>();

export async function load(modelsDir: string, id: string): Promise<void> {
  if (id === 'dlib128') return dlib.load(modelsDir);
  if (id === mobilefacenet.MOBILEFACENET_ID) return mobilefacenet.load(modelsDir);
  if (!graphs.has(id)) graphs.set(id, await loadGraph(modelsDir, id));
}

export function unload(): void {
  dlib.unload();
  mobilefacenet.unload();
  for (const g of graphs.values()) g.dispose();
  graphs.clear();
}

/** crops: n x size x size x 3 RGB 0..255 -> n x dim raw embeddings (caller owns the result). */
export function forward(id: string, crops: tf.Tensor4D, mode?: string): tf.Tensor2D {
  if (id === 'dlib128') return dlib.forward(crops);
  if (id === mobilefacenet.MOBILEFACENET_ID) return mobilefacenet.forward(crops);
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

/** A trained tail for the MobileFaceNet (mobilefacenet-tail.ts) in force from now on; null: the shipped one. */
export function setTrainedTail(tail: MobileFaceNetTail | null): void {
  mobilefacenet.setTail(tail);
}

/** The MobileFaceNet's own last stage (not a trained one in force), as plain numbers. */
export function shippedMobileFaceNetTail(): MobileFaceNetTail {
  return mobilefacenet.shippedTail();
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}
