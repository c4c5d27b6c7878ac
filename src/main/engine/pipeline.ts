// Calls the stages in order for one image and times each. Holds no models itself.
import * as tf from '@tensorflow/tfjs-core';
import type { AnalyzeResult, FaceAnalysis, Point, StageTimings } from '../../shared/face';
import { canonicalPoints, similarityTo, warpAffine, mirror } from './align';
import * as detector from './detector';
import * as landmarks from './landmarks';
import * as liveness from './liveness';
import type { FaceTracker } from './tracker';
import * as encoder from './encoder';
import * as quality from './quality';
import { encodeJpeg, type RgbImage } from './image';
import { cutChip } from './chip';

export interface EncoderPart {
  encoder: string;
  /** 'dlib51': fit dlib's own 51-point mean face (as dlib cuts its chips) instead of the five points. */
  align?: 'five' | 'dlib51';
  /** Share of the fused vector's squared norm this encoder contributes. */
  weight: number;
}
export interface EncoderConfig {
  /** Names the embedding space stored with every template. */
  id: string;
  parts: EncoderPart[];
  /** Also embed the mirrored face and average: cheap accuracy, costs one more batch row. */
  flip: boolean;
  /** Distance between unit vectors at the best LFW dev accuracy: the accept threshold until calibration sets one. */
  defaultThreshold: number;
}

/**
 * Embedding spaces the engine can produce. Templates carry the id: a template from one space is never
 * compared with a face from another. Thresholds: bench/RESULTS.md.
 */
export const ENCODER_CONFIGS: Record<string, EncoderConfig> = {
  // Shipped. 10-fold thresholds on LFW dev deep-funneled: cosine 0.912-0.914 = distance 0.41-0.42.
  'dlib128-a51-flip': {
    id: 'dlib128-a51-flip',
    parts: [{ encoder: 'dlib128', weight: 1, align: 'dlib51' }],
    flip: true,
    defaultThreshold: 0.42,
  },
  // cosine 0.907-0.919 on LFW dev = distance 0.40-0.43
  'dlib128-flip': {
    id: 'dlib128-flip',
    parts: [{ encoder: 'dlib128', weight: 1 }],
    flip: true,
    defaultThreshold: 0.43,
  },
  dlib128: { id: 'dlib128', parts: [{ encoder: 'dlib128', weight: 1 }], flip: false, defaultThreshold: 0.45 },
  // foamliu's MobileFaceNet on the ArcFace five-point 112 px template (shared/models README: best
  // without the mirror pass on LFW dev).
  'mfn-foamliu': {
    id: 'mfn-foamliu',
    parts: [{ encoder: 'mobilefacenet-foamliu', weight: 1 }],
    flip: false,
    defaultThreshold: 1.17,
  },
  'mfn-foamliu-flip': {
    id: 'mfn-foamliu-flip',
    parts: [{ encoder: 'mobilefacenet-foamliu', weight: 1 }],
    flip: true,
    defaultThreshold: 1.17,
  },
  'mfn-sirius-flip': {
    id: 'mfn-sirius-flip',
    parts: [{ encoder: 'mobilefacenet-sirius', weight: 1 }],
    flip: true,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+sirius': {
    id: 'fusion-foamliu+sirius',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.5 },
      { encoder: 'mobilefacenet-sirius', weight: 0.5 },
    ],
    flip: false,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+sirius-flip': {
    id: 'fusion-foamliu+sirius-flip',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.5 },
      { encoder: 'mobilefacenet-sirius', weight: 0.5 },
    ],
    flip: true,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+dlib': {
    id: 'fusion-foamliu+dlib',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.6 },
      { encoder: 'dlib128', weight: 0.4, align: 'dlib51' },
    ],
    flip: false,
    defaultThreshold: 1.0,
  },
  'fusion-foamliu+sirius+dlib': {
    id: 'fusion-foamliu+sirius+dlib',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.4 },
      { encoder: 'mobilefacenet-sirius', weight: 0.35 },
      { encoder: 'dlib128', weight: 0.25, align: 'dlib51' },
    ],
    flip: false,
    defaultThreshold: 1.0,
  },
  // The rest are for evaluation runs (PRESENCE_ENCODER): their thresholds are rough, calibrate before use.
  'faceres-flip': { id: 'faceres-flip', parts: [{ encoder: 'faceres', weight: 1 }], flip: true, defaultThreshold: 0.9 },
  'mobileface-flip': {
    id: 'mobileface-flip',
    parts: [{ encoder: 'mobileface', weight: 1 }],
    flip: true,
    defaultThreshold: 0.9,
  },
  'fusion-dlib128+faceres-flip': {
    id: 'fusion-dlib128+faceres-flip',
    parts: [
      { encoder: 'dlib128', weight: 0.8, align: 'dlib51' },
      { encoder: 'faceres', weight: 0.2 },
    ],
    flip: true,
    defaultThreshold: 0.5,
  },
};

/** The shipped embedding: the most accurate option within the latency target, chosen on LFW dev (bench/RESULTS.md). */
export const DEFAULT_ENCODER: EncoderConfig = ENCODER_CONFIGS['mfn-foamliu']!;

export function embeddingSize(cfg: EncoderConfig): number {
  return cfg.parts.reduce((s, p) => s + encoder.ENCODERS[p.encoder].dim, 0);
}

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

/** Where a face's landmarks are: five points always, dlib's 51 when Face Mesh ran. */
export interface FacePoints {
  five: Point[];
  dlib51?: Point[];
}

export interface FaceGeometry extends FacePoints {
  box: FaceAnalysis['box'];
  score: number;
  yaw: number;
  pitch: number;
  roll: number;
}

/** Embeds faces given their five points (also used by the evaluation fallback). Returns L2-normalised rows. */
export function embedFaces(img: RgbImage, faces: FacePoints[], cfg: EncoderConfig): Float32Array[] {
  const n = faces.length;
  if (!n) return [];
  const rows = cfg.flip ? 2 : 1;
  const fused = faces.map(() => new Float32Array(embeddingSize(cfg)));
  let offset = 0;
  for (const part of cfg.parts) {
    const spec = encoder.ENCODERS[part.encoder];
    const px = spec.size * spec.size * 3;
    const batch = new Float32Array(n * rows * px);
    faces.forEach((face, i) => {
      const m =
        part.align === 'dlib51' && face.dlib51
          ? similarityTo(encoder.DLIB_TEMPLATE51_150, face.dlib51)
          : similarityTo(encoder.templateFor(spec), face.five);
      const crop = warpAffine(img, m, spec.size, spec.size);
      batch.set(crop, i * rows * px);
      if (cfg.flip) batch.set(mirror(crop, spec.size, spec.size), (i * rows + 1) * px);
    });
    const raw = tf.tidy(
      () =>
        encoder
          .forward(part.encoder, tf.tensor4d(batch, [n * rows, spec.size, spec.size, 3]))
          .dataSync() as Float32Array,
    );
    const scale = Math.sqrt(part.weight);
    for (let i = 0; i < n; i++) {
      const v = new Float32Array(spec.dim);
      for (let r = 0; r < rows; r++) {
        const row = encoder.l2normalize(raw.subarray((i * rows + r) * spec.dim, (i * rows + r + 1) * spec.dim));
        for (let k = 0; k < spec.dim; k++) v[k] += row[k];
      }
      const unit = encoder.l2normalize(v);
      for (let k = 0; k < spec.dim; k++) fused[i][offset + k] = unit[k] * scale;
    }
    offset += spec.dim;
  }
  return fused.map((f) => encoder.l2normalize(f));
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
  return { width: img.width, height: img.height, faces: out, timings: t };
}
