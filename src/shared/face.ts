// Plain data that the face engine produces and the rest of the app consumes.
// Shared by main, CLI and renderer: no node:*, no electron, no TF.js here.
import type { DistanceTable } from './distance-table';

/** Camera frame as the renderer grabs it from a canvas: tightly packed RGBA, row-major. */
export interface RgbaFrame {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Point = [x: number, y: number];

/** Why a face is not good enough for enrollment or a confident match. Stable: the UI translates them. */
export type QualityReason =
  | 'too_small' // face narrower than the minimum pixel width: come closer
  | 'too_dark'
  | 'too_bright'
  | 'low_contrast'
  | 'blurred' // variance of the Laplacian below threshold: hold still
  | 'turned' // |yaw| too large: look at the camera
  | 'tilted' // |pitch| or |roll| too large
  | 'at_edge'; // face box cut by the frame border

export interface FaceQuality {
  /** Width of the face box in source pixels. */
  faceSizePx: number;
  /** Variance of the Laplacian of the aligned grey face. */
  sharpness: number;
  /** Mean luminance of the aligned face, 0..255. */
  brightness: number;
  /** Standard deviation of luminance of the aligned face, 0..255. */
  contrast: number;
  /** Degrees, estimated from landmarks; positive = person turns to their left. */
  yaw: number;
  pitch: number;
  roll: number;
  ok: boolean;
  reasons: QualityReason[];
}

export interface StageTimings {
  decodeMs?: number;
  detectMs?: number;
  landmarksMs?: number;
  alignMs?: number;
  qualityMs?: number;
  livenessMs?: number;
  embedMs?: number;
  totalMs: number;
}

/** One face as the UI may see it: never carries the embedding. */
export interface FaceSummary {
  box: Box;
  score: number;
  /** At least five points: right eye, left eye, nose tip, right mouth corner, left mouth corner (image coordinates). */
  landmarks: Point[];
  quality: FaceQuality;
  /** Passive liveness, 0..1 (1 = live person); null when the liveness model did not run. */
  liveness: number | null;
}

/** One face as the main process sees it. */
export interface FaceAnalysis extends FaceSummary {
  /** L2-normalised embedding of the current encoder. */
  embedding: Float32Array;
  /** JPEG of the aligned face crop, only when asked for (enrollment thumbnails). */
  thumbnailJpeg?: Uint8Array;
  /** The aligned face chip with its landmarks (engine/chip.ts), only when asked for (enrollment). */
  chip?: Uint8Array;
}

export interface AnalyzeResult {
  /** Size of the image that the coordinates refer to (after EXIF rotation and downscaling). */
  width: number;
  height: number;
  /**
   * The embedding space the faces' embeddings are in (the encoder that ran): a face is only ever compared
   * with, or saved into, a gallery of the same space, even when the model changed while it was held.
   */
  encoderId: string;
  faces: FaceAnalysis[];
  timings: StageTimings;
}

export type EngineBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface EngineModelInfo {
  id: string;
  file: string;
  role: 'detector' | 'landmarks' | 'encoder' | 'liveness';
  loadMs: number;
}

export interface EngineStatus {
  state: 'starting' | 'ready' | 'failed' | 'stopped';
  backend: EngineBackend | null;
  /** Identifies the embedding space; templates from another encoder are not comparable. */
  encoderId: string | null;
  embeddingSize: number | null;
  /** The encoder's best-accuracy distance on LFW dev: the threshold only for an encoder without a table. */
  defaultThreshold: number | null;
  /** The encoder's impostor/genuine distance table (models/), which the threshold in force is read from. */
  distances: DistanceTable | null;
  models: EngineModelInfo[];
  loadMs: number | null;
  queueDepth: number;
  /**
   * Live TF.js tensors in the engine (a count that only grows is a leak); null while no backend is up.
   * Reported by the engine's own thread, so with the worker engine it is as of the last call answered.
   */
  tensors: number | null;
  /** JS heap in use on the thread the engine runs on (its worker, or the main thread), in bytes; null when unknown. */
  heapUsedBytes: number | null;
  restarts: number;
  error: { code: string; message: string } | null;
  /** Which encoder the gallery uses and why: added by the app (engine.status), null until it started. */
  gallery?: GalleryEncoderInfo | null;
}

/** The gallery stays on an older encoder while some people have no face chip to re-embed (domain/reembed.ts). */
export interface GalleryEncoderInfo {
  /** The encoder whose templates the gallery holds, and the engine runs. */
  galleryEncoder: string;
  /** The encoder this version uses when nothing keeps an older one. */
  defaultEncoder: string;
  /** People enrolled with an older encoder who have no stored face chip: re-enrolling them moves the gallery. */
  withoutChips: number;
  /** Templates re-embedded from their chips when the engine started. */
  reembedded: number;
  /** The trained model in use (settings.trainedModel), null for the shipped encoder. */
  trainedModel: TrainedModelInfo | null;
  /** Why the trained model selected in the settings is not in use: the shipped encoder runs instead. */
  trainedModelError: string | null;
}

/** Accuracy, AUC and TAR at FAR 1e-3 on a model's validation pairs (presence train --val-pairs). */
export interface ValidationFigures {
  accuracy: number;
  auc: number;
  tarAtFar1e3: number;
}

/** What a model folder written by `presence train` says about itself (engine/trained-head.ts). */
export interface TrainedModelInfo {
  /** Its embedding space: `<base encoder>+head-<hash>` or `+ft-<hash>`. */
  id: string;
  dir: string;
  baseEncoder: string;
  /** head: a projection head on the base encoder; finetune: the base MobileFaceNet's last stage retrained. */
  mode: 'head' | 'finetune';
  people: number | null;
  photos: number | null;
  epochs: number | null;
  createdAt: string;
  /** On the validation pairs: the shipped base encoder (before) and the trained model (after). */
  validation: { pairs: number | null; before: ValidationFigures | null; after: ValidationFigures | null };
}
