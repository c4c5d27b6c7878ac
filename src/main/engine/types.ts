// The engine's public surface, shared by the in-process and worker implementations.
import type { MobileFaceNetTail } from './mobilefacenet-tail';
import type { AnalyzeResult, EngineStatus, RgbaFrame } from '../../shared/face';

export type AnalyzeInput =
  | { kind: 'rgba'; frame: RgbaFrame }
  | { kind: 'bytes'; bytes: Uint8Array; name?: string }
  | { kind: 'file'; path: string };

export interface AnalyzeOptions {
  maxFaces?: number;
  liveness?: boolean;
  embed?: boolean;
  /**
   * Only the largest this many faces get liveness and an embedding; the others still have their box,
   * landmarks and quality (embedding empty, liveness null). Default: all. The kiosk needs one.
   */
  embedFaces?: number;
  /**
   * false: embed each face's crop alone, without averaging in its mirror image (the encoder's flip
   * test-time augmentation). Half the encoder time, a slightly noisier embedding in the same space.
   * Default true (where the encoder uses flip at all).
   */
  mirror?: boolean;
  /**
   * Name of the camera stream these frames come from (RGBA frames only): the engine follows the face
   * it found in the stream's previous frame and runs the detector only every few frames or when the
   * face is lost (tracker.ts). Only the followed face is reported on the frames in between.
   */
  track?: string;
  /**
   * With `track`: this frame starts the stream afresh (its screen was reset, or is new): whatever the
   * engine followed under this name before is forgotten, and the detector runs.
   */
  trackFresh?: boolean;
  thumbnail?: boolean;
  /** The aligned face chip (engine/chip.ts) of each embedded face, for enrollment to store. */
  chip?: boolean;
}

export interface EngineStartOptions {
  /**
   * The embedding space to run (an ENCODER_CONFIGS id); default: the engine's own. A running engine
   * started again with another one switches to it.
   */
  encoderId?: string;
  /**
   * A model folder written by `presence train` (engine/trained-head.ts): run its base encoder and apply
   * its head; its id becomes the embedding space. With encoderId too, the two must name the same space.
   */
  modelDir?: string;
}

export interface FaceEngine {
  /** The encoder this engine runs unless started with another (encoder-choice.ts). */
  readonly defaultEncoderId: string;
  /** Loads models and warms up; idempotent. */
  start(options?: EngineStartOptions): Promise<EngineStatus>;
  status(): EngineStatus;
  /** 0..N faces, largest first. */
  analyze(input: AnalyzeInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
  /** Embeds stored face chips (engine/chip.ts) with the running encoder, one L2-normalised row each. */
  embedChips(chips: readonly Uint8Array[]): Promise<Float32Array[]>;
  stop(): Promise<void>;
}

/** One photo's embedding for an evaluation run (`presence eval`, bench/). */
export interface EvalEmbedding {
  embedding: Float32Array;
  /** false when no face was found and the centred-face fallback was used. */
  found: boolean;
  ms: number;
}

/**
 * An engine that can also embed a benchmark photo as the evaluations define it: the face nearest the
 * centre (LFW photos are centred on their subject), or the centred-face crop when no face is found, so
 * that such a photo still takes part and is counted as a failure. Both engines are one.
 */
export interface EvaluationEngine extends FaceEngine {
  embedForEvaluation(input: AnalyzeInput): Promise<EvalEmbedding>;
}

/**
 * The in-process engine's extra calls for `presence train --mode finetune`: the face chip an evaluation
 * takes from a photo, and the frozen trunk's output for chips (the input of the retrained last stage).
 */
export interface TrainingEngine extends EvaluationEngine {
  evaluationChip(input: AnalyzeInput): Promise<{ chip: Uint8Array; found: boolean }>;
  encoderFeatures(chips: readonly Uint8Array[]): Promise<Float32Array[]>;
  /** The running MobileFaceNet's shipped last stage: where a fine-tune starts from. */
  baseTail(): Promise<MobileFaceNetTail>;
}

/** What an engine reports before its first start. */
export function stoppedStatus(): EngineStatus {
  return {
    state: 'stopped',
    backend: null,
    encoderId: null,
    embeddingSize: null,
    defaultThreshold: null,
    distances: null,
    models: [],
    loadMs: null,
    queueDepth: 0,
    tensors: null,
    heapUsedBytes: null,
    restarts: 0,
    error: null,
  };
}
