// Calls the stages in order for one image and times each. Holds no models itself.
import type { AnalyzeResult, FaceAnalysis, StageTimings } from '../../shared/face';
import { canonicalPoints, similarityTo, warpAffine } from './align';
import * as detector from './detector';
import * as landmarks from './landmarks';
import * as liveness from './liveness';
import type { FaceTracker } from './tracker';
import * as quality from './quality';
import { encodeJpeg, type RgbImage } from './image';
import { cutChip } from './chip';
import type { EncoderConfig } from './encoder-configs';
import { embedFaces, type FacePoints } from './embed';

export interface PipelineOptions {
  maxFaces: number;
  liveness: boolean;
  embed: boolean;
  /** Liveness and embedding for the largest this many faces only (faces come largest first). */
  embedFaces: number;
  /** Average in the mirror image's embedding, when the encoder config uses flip. */
  mirror: boolean;
  thumbnail: boolean;
  /** The aligned face chip (chip.ts) of each embedded face, stored with enrolled templates. */
  chip: boolean;
  /** Retry with the 256 px detector when the 128 px one finds nothing (small or distant faces). */
  smallFaces: boolean;
}
export const DEFAULT_OPTIONS: PipelineOptions = {
  maxFaces: 10,
  liveness: true,
  embed: true,
  embedFaces: Infinity,
  mirror: true,
  thumbnail: false,
  chip: false,
  smallFaces: true,
};

const QUALITY_SIZE = 112;
const THUMB_SIZE = 160;
/** Thumbnails show the whole head, not just the encoder's tight crop. */
const THUMB_ZOOM = 0.75;

export interface FaceGeometry extends FacePoints {
  box: FaceAnalysis['box'];
  score: number;
  yaw: number;
  pitch: number;
  roll: number;
}

/** Follow the face of one camera stream from frame to frame (tracker.ts) instead of detecting every frame. */
export interface Tracking {
  tracker: FaceTracker;
  stream: string;
}

/**
 * Detection + landmarks for every face, largest first; false positives rejected by the mesh score.
 * With `tracking`, a frame where the stream's face is still where its last landmarks put it returns that
 * one face without running the detector (t.detectMs stays unset); otherwise the detector runs as usual.
 */
export async function locateFaces(
  img: RgbImage,
  opts: PipelineOptions,
  t: StageTimings,
  tracking?: Tracking,
): Promise<FaceGeometry[]> {
  const hint = tracking?.tracker.hint(tracking.stream, img.width, img.height);
  if (tracking && hint) {
    const t0 = performance.now();
    const lm = await landmarks.predict(img, hint);
    const box = tracking.tracker.accepts(tracking.stream, lm.score, lm.five)
      ? tracking.tracker.tracked(tracking.stream, lm.five)
      : null;
    t.landmarksMs = performance.now() - t0;
    if (box) return [geometryOf(box, hint.score, lm)];
    tracking.tracker.forget(tracking.stream);
  }
  const faces = await detectFaces(img, opts, t);
  // Only a lone face is followed: with two or more, every frame must show them all (the kiosk turns a
  // crowd away, which it could not see on frames that report the followed face alone).
  tracking?.tracker.detected(tracking.stream, img.width, img.height, faces.length === 1 ? faces[0]! : null);
  return faces;
}

function geometryOf(box: FaceGeometry['box'], score: number, lm: landmarks.Landmarks): FaceGeometry {
  return {
    box,
    score,
    five: lm.five,
    dlib51: lm.dlib51,
    yaw: lm.yaw,
    pitch: lm.pitch + landmarks.PITCH_OFFSET_DEG,
    roll: lm.roll,
  };
}

async function detectFaces(img: RgbImage, opts: PipelineOptions, t: StageTimings): Promise<FaceGeometry[]> {
  let t0 = performance.now();
  let dets = await detector.predict(img, { maxFaces: opts.maxFaces });
  if (!dets.length && opts.smallFaces)
    dets = await detector.predict(img, { id: detector.SMALL_FACE_DETECTOR_ID, maxFaces: opts.maxFaces });
  t.detectMs = performance.now() - t0;
  t0 = performance.now();
  const faces: FaceGeometry[] = [];
  for (const d of dets) {
    const lm = await landmarks.predict(img, d);
    if (lm.score < landmarks.MIN_MESH_SCORE) continue;
    faces.push(geometryOf(d.box, d.score, lm));
  }
  t.landmarksMs = (t.landmarksMs ?? 0) + performance.now() - t0;
  return faces;
}

export async function analyzeImage(
  img: RgbImage,
  cfg: EncoderConfig,
  options: Partial<PipelineOptions> = {},
  decodeMs?: number,
  tracking?: Tracking,
): Promise<AnalyzeResult> {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  const start = performance.now();
  const t: StageTimings = { totalMs: 0 };
  if (decodeMs !== undefined) t.decodeMs = decodeMs;
  const faces = await locateFaces(img, opts, t, tracking);

  let t0 = performance.now();
  const qcrops = faces.map((f) =>
    warpAffine(img, similarityTo(canonicalPoints(QUALITY_SIZE), f.five), QUALITY_SIZE, QUALITY_SIZE),
  );
  t.alignMs = performance.now() - t0;

  t0 = performance.now();
  const q = faces.map((f, i) => quality.measure(quality.toGrey(qcrops[i]), QUALITY_SIZE, f.box, img, f));
  t.qualityMs = performance.now() - t0;

  const primary = faces.slice(0, Math.max(0, opts.embedFaces));
  const live: (number | null)[] = faces.map(() => null);
  if (opts.liveness && primary.length) {
    t0 = performance.now();
    const px = liveness.LIVENESS_SIZE * liveness.LIVENESS_SIZE * 3;
    const crops = new Float32Array(primary.length * px);
    const tpl = canonicalPoints(liveness.LIVENESS_SIZE, liveness.LIVENESS_ZOOM);
    primary.forEach((f, i) =>
      crops.set(warpAffine(img, similarityTo(tpl, f.five), liveness.LIVENESS_SIZE, liveness.LIVENESS_SIZE), i * px),
    );
    liveness.predict(crops, primary.length).forEach((score, i) => (live[i] = score));
    t.livenessMs = performance.now() - t0;
  }

  const embeddings: Float32Array[] = faces.map(() => new Float32Array(0));
  if (opts.embed && primary.length) {
    t0 = performance.now();
    const config = opts.mirror ? cfg : { ...cfg, flip: false };
    embedFaces(img, primary, config).forEach((e, i) => (embeddings[i] = e));
    t.embedMs = performance.now() - t0;
  }

  const out: FaceAnalysis[] = [];
  for (let i = 0; i < faces.length; i++) {
    const f = faces[i];
    const a: FaceAnalysis = {
      box: f.box,
      score: f.score,
      landmarks: f.five,
      quality: q[i],
      liveness: live[i],
      embedding: embeddings[i],
    };
    if (opts.thumbnail && i < primary.length) {
      const crop = warpAffine(
        img,
        similarityTo(canonicalPoints(THUMB_SIZE, THUMB_ZOOM), f.five),
        THUMB_SIZE,
        THUMB_SIZE,
      );
      a.thumbnailJpeg = await encodeJpeg(
        Uint8Array.from(crop, (v) => Math.round(v)),
        THUMB_SIZE,
        THUMB_SIZE,
      );
    }
    if (opts.chip && i < primary.length) a.chip = await cutChip(img, f);
    out.push(a);
  }
  t.totalMs = performance.now() - start + (decodeMs ?? 0);
  return { width: img.width, height: img.height, encoderId: cfg.id, faces: out, timings: t };
}
