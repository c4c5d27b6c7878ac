// BlazeFace (MediaPipe short range, 128 px) with the 256 px back-camera model as the fallback for faces
// too small for the first one. Image is letterboxed to a square so faces keep their proportions.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Box, Point } from '../../shared/face';
import { type Affine, boxShrink, warpAffine } from './align';
import type { RgbImage } from './image';
import { loadGraph } from './models';

export const DETECTOR_ID = 'blazeface-short';
export const SMALL_FACE_DETECTOR_ID = 'blazeface-back';
export const MIN_DETECTION_SCORE = 0.5;
const IOU_THRESHOLD = 0.3;

export interface Detection {
  box: Box;
  score: number;
  /** BlazeFace's six points: right eye, left eye, nose, mouth, right ear, left ear (image coordinates). */
  keypoints: Point[];
}

interface Net {
  model: GraphModel;
  size: number;
  anchors: Float32Array; // x, y in input pixels
}
const nets = new Map<string, Net>();

function anchorsFor(size: number): Float32Array {
  const spec = [
    { stride: size / 16, n: 2 },
    { stride: size / 8, n: 6 },
  ];
  const out: number[] = [];
  for (const { stride, n } of spec) {
    const grid = Math.ceil(size / stride);
    for (let y = 0; y < grid; y++)
      for (let x = 0; x < grid; x++) for (let k = 0; k < n; k++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return new Float32Array(out);
}

export async function load(modelsDir: string, id = DETECTOR_ID): Promise<GraphModel> {
  const cached = nets.get(id);
  if (cached) return cached.model;
  const model = await loadGraph(modelsDir, id);
  const size = id === SMALL_FACE_DETECTOR_ID ? 256 : 128;
  nets.set(id, { model, size, anchors: anchorsFor(size) });
  return model;
}

export function unload(): void {
  for (const n of nets.values()) n.model.dispose();
  nets.clear();
}

function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x),
    y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width),
    y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Raw network output as [n, 17] rows (score logit, cx, cy, w, h, 6 x (x, y)), in the 896-anchor order. */
function rawOutput(net: Net, input: tf.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const res = net.model.execute(input);
    if (!Array.isArray(res)) return res.dataSync() as Float32Array;
    // The back-camera conversion splits classifiers and regressors per grid: reassemble as 896 x 17.
    const sorted = [...res].sort((a, b) => a.size - b.size);
    const small = tf.concat([sorted[0], sorted[2]], 2);
    const large = tf.concat([sorted[1], sorted[3]], 2);
    return tf.concat([large, small], 1).dataSync() as Float32Array;
  });
}

export async function predict(
  img: RgbImage,
  opts: { id?: string; minScore?: number; maxFaces?: number } = {},
): Promise<Detection[]> {
  const net = nets.get(opts.id ?? DETECTOR_ID);
  if (!net) throw new Error(`detector ${opts.id ?? DETECTOR_ID} not loaded`);
  const { size, anchors } = net;
  const side = Math.max(img.width, img.height);
  const s = side / size;
  const ox = (img.width - side) / 2,
    oy = (img.height - side) / 2;
  // Shrink by an integer factor first (box average), then the residual < 2x bilinear warp.
  const f = Math.floor(s);
  const src = f >= 2 ? boxShrink(img, f) : img;
  const k = f >= 2 ? f : 1;
  // Pixel centres: output u -> source s*(u+0.5)+ox -> shrunk ((that)/k) - 0.5. The partial block that
  // floor() drops at the right/bottom edge does not move the grid.
  const m: Affine = [s / k, 0, (ox + s / 2) / k - 0.5, 0, s / k, (oy + s / 2) / k - 0.5];
  const pixels = warpAffine(src, m, size, size);
  const input = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(pixels, [1, size, size, 3]), 127.5), 1) as tf.Tensor4D);
  let raw: Float32Array;
  try {
    raw = rawOutput(net, input);
  } finally {
    input.dispose();
  }
  const minScore = opts.minScore ?? MIN_DETECTION_SCORE;
  const toImg = (x: number, y: number): Point => [x * s + ox, y * s + oy];
  const cands: Detection[] = [];
  const n = anchors.length / 2;
  for (let i = 0; i < n; i++) {
    const r = i * 17;
    const logit = Math.max(-80, Math.min(80, raw[r]));
    const score = 1 / (1 + Math.exp(-logit));
    if (score < minScore) continue;
    const ax = anchors[i * 2],
      ay = anchors[i * 2 + 1];
    const cx = raw[r + 1] + ax,
      cy = raw[r + 2] + ay,
      w = raw[r + 3],
      h = raw[r + 4];
    const [x0, y0] = toImg(cx - w / 2, cy - h / 2);
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push(toImg(raw[r + 5 + k * 2] + ax, raw[r + 6 + k * 2] + ay));
    cands.push({ box: { x: x0, y: y0, width: w * s, height: h * s }, score, keypoints });
  }
  // Weighted NMS (as MediaPipe does): overlapping candidates vote, which steadies boxes between frames.
  cands.sort((a, b) => b.score - a.score);
  const out: Detection[] = [];
  const used = new Array<boolean>(cands.length).fill(false);
  for (let i = 0; i < cands.length; i++) {
    if (used[i]) continue;
    const group = [cands[i]];
    for (let j = i + 1; j < cands.length; j++)
      if (!used[j] && iou(cands[i].box, cands[j].box) > IOU_THRESHOLD) {
        used[j] = true;
        group.push(cands[j]);
      }
    const wsum = group.reduce((acc, g) => acc + g.score, 0);
    const avg = (f: (d: Detection) => number) => group.reduce((acc, g) => acc + f(g) * g.score, 0) / wsum;
    out.push({
      score: cands[i].score,
      box: {
        x: avg((d) => d.box.x),
        y: avg((d) => d.box.y),
        width: avg((d) => d.box.width),
        height: avg((d) => d.box.height),
      },
      keypoints: cands[i].keypoints.map(
        (_, k) => [avg((d) => d.keypoints[k][0]), avg((d) => d.keypoints[k][1])] as Point,
      ),
    });
  }
  out.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  return opts.maxFaces ? out.slice(0, opts.maxFaces) : out;
}
