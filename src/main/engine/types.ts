// The engine's public surface, shared by the in-process and worker implementations.
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
  thumbnail?: boolean;
}

export interface FaceEngine {
  /** Loads models and warms up; idempotent. */
  start(): Promise<EngineStatus>;
  status(): EngineStatus;
  /** 0..N faces, largest first. */
  analyze(input: AnalyzeInput, options?: AnalyzeOptions): Promise<AnalyzeResult>;
  stop(): Promise<void>;
}

/** What an engine reports before its first start. */
export function stoppedStatus(): EngineStatus {
  return {
    state: 'stopped',
    backend: null,
    encoderId: null,
    embeddingSize: null,
    defaultThreshold: null,
    models: [],
    loadMs: null,
    queueDepth: 0,
    restarts: 0,
    error: null,
  };
}
