// MediaPipe Face Mesh on a crop around each detection, rotated so the eyes are level (the model was
// trained on upright faces). Gives 468 points; we keep the five the aligners need plus head pose.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Point } from '../../shared/face';
import { type Affine, applyAffine, rotatedCrop, warpAffine } from './align';
import type { Detection } from './detector';
import type { RgbImage } from './image';
import { loadGraph } from './models';

export const LANDMARKS_ID = 'facemesh';
const SIZE = 192;
/** MediaPipe crops 1.5x the detection box for the mesh model. */
const CROP_SCALE = 1.5;
/** Below this the mesh did not see a face (the detector's box was a false positive). */
export const MIN_MESH_SCORE = 0.2;
/** Face Mesh reads a frontal face as about 12 deg chin-down (forehead/chin depth differ): added so frontal is ~0. */
export const PITCH_OFFSET_DEG = 12;

// Face Mesh indices. "right"/"left" are the person's own (right eye is on the image's left).
const RIGHT_EYE = [33, 133, 159, 145];
const LEFT_EYE = [362, 263, 386, 374];
const NOSE_TIP = 1;
const MOUTH_RIGHT = 61;
const MOUTH_LEFT = 291;
const CHEEK_RIGHT = 234;
const CHEEK_LEFT = 454;
const FOREHEAD = 10;
const CHIN = 152;

/**
 * Face Mesh points matching dlib's 68-point landmarks 17..67 (brows, nose, eyes, mouth; not the jaw):
 * the points dlib itself aligns its face chips on.
 */
export const DLIB51_FROM_MESH = [
  70,
  63,
  105,
  66,
  107,
  336,
  296,
  334,
  293,
  300, // brows 17-26
  168,
  197,
  5,
  4,
  75,
  97,
  2,
  326,
  305, // nose 27-35
  33,
  160,
  158,
  133,
  153,
  144, // right eye 36-41
  362,
  385,
  387,
  263,
  373,
  380, // left eye 42-47
  61,
  39,
  37,
  0,
  267,
  269,
  291,
  405,
  314,
  17,
  84,
  181, // outer lips 48-59
  78,
  82,
  13,
  312,
  308,
  317,
  14,
  87, // inner lips 60-67
];

let model: GraphModel | null = null;

export async function load(modelsDir: string): Promise<GraphModel> {
  model ??= await loadGraph(modelsDir, LANDMARKS_ID);
  return model;
}
export function unload(): void {
  model?.dispose();
  model = null;
}

export interface Landmarks {
  /** right eye, left eye, nose tip, right mouth corner, left mouth corner (image coordinates). */
  five: Point[];
  /** dlib's landmarks 17..67 (image coordinates), for the dlib encoder's own alignment. */
  dlib51: Point[];
  /** Mesh confidence 0..1. */
  score: number;
  /** Degrees. yaw > 0: the person turns to their left; pitch > 0: chin up; roll > 0: head tilts clockwise in the image. */
  yaw: number;
  pitch: number;
  roll: number;
}

function mean(pts: Float32Array, idx: number[]): [number, number, number] {
  let x = 0,
    y = 0,
    z = 0;
  for (const i of idx) {
    x += pts[i * 3];
    y += pts[i * 3 + 1];
    z += pts[i * 3 + 2];
  }
  return [x / idx.length, y / idx.length, z / idx.length];
}

/** The crop the mesh model looks at for one detection: 1.5x its box, eyes level. */
export function meshCrop(det: Detection): Affine {
  const [re, le] = det.keypoints;
  const angle = Math.atan2(le[1] - re[1], le[0] - re[0]);
  const cx = det.box.x + det.box.width / 2,
    cy = det.box.y + det.box.height / 2;
  return rotatedCrop(cx, cy, Math.max(det.box.width, det.box.height) * CROP_SCALE, angle, SIZE);
}

function runMesh(img: RgbImage, m: Affine): [Float32Array, number] {
  const pixels = warpAffine(img, m, SIZE, SIZE);
  return tf.tidy(() => {
    const input = tf.div(tf.tensor4d(pixels, [1, SIZE, SIZE, 3]), 255);
    const outs = model!.execute(input) as tf.Tensor[];
    const pts = outs.find((t) => t.shape[1] === 1404)!;
    const conf = outs.find((t) => t.shape[1] === 1)!;
    return [pts.dataSync() as Float32Array, conf.dataSync()[0]];
  });
}

/**
 * Second look, as MediaPipe's tracker does: a crop built from the first mesh (its bounding box, eyes
 * level) fits the face better than one from the detector's box. Off by default: it costs a mesh run.
 */
export const REFINE_MESH = process.env.PRESENCE_MESH_REFINE === '1';

function cropFromMesh(mesh: Float32Array, m: Affine): Affine {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let i = 0; i < 468; i++) {
    const [x, y] = applyAffine(m, [mesh[i * 3], mesh[i * 3 + 1]]);
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const r = mean(mesh, RIGHT_EYE),
    l = mean(mesh, LEFT_EYE);
  const [rx, ry] = applyAffine(m, [r[0], r[1]]),
    [lx, ly] = applyAffine(m, [l[0], l[1]]);
  return rotatedCrop(
    (x0 + x1) / 2,
    (y0 + y1) / 2,
    Math.max(x1 - x0, y1 - y0) * CROP_SCALE,
    Math.atan2(ly - ry, lx - rx),
    SIZE,
  );
}

export async function predict(img: RgbImage, det: Detection): Promise<Landmarks> {
  if (!model) throw new Error('landmarks model not loaded');
  let m = meshCrop(det);
  let [mesh, flag] = runMesh(img, m);
  if (REFINE_MESH) {
    m = cropFromMesh(mesh, m);
    [mesh, flag] = runMesh(img, m);
  }
  const toImg = (p: [number, number, number]): Point => applyAffine(m, [p[0], p[1]]);
  const re = mean(mesh, RIGHT_EYE),
    le = mean(mesh, LEFT_EYE);
  const five = [re, le, mean(mesh, [NOSE_TIP]), mean(mesh, [MOUTH_RIGHT]), mean(mesh, [MOUTH_LEFT])].map(toImg);
  const dlib51 = DLIB51_FROM_MESH.map((i) => toImg(mean(mesh, [i])));
  // Pose from the mesh's depth: the crop is already roll-corrected, so yaw/pitch are about upright axes.
  const cr = mean(mesh, [CHEEK_RIGHT]),
    cl = mean(mesh, [CHEEK_LEFT]);
  const fh = mean(mesh, [FOREHEAD]),
    ch = mean(mesh, [CHIN]);
  const yaw = (Math.atan2(cl[2] - cr[2], cl[0] - cr[0]) * 180) / Math.PI;
  const pitch = (Math.atan2(fh[2] - ch[2], ch[1] - fh[1]) * 180) / Math.PI;
  const r5 = five[0],
    l5 = five[1];
  const roll = (Math.atan2(l5[1] - r5[1], l5[0] - r5[0]) * 180) / Math.PI;
  const score = flag >= 0 && flag <= 1 ? flag : 1 / (1 + Math.exp(-flag));
  return { five, dlib51, score, yaw, pitch, roll };
}
