// Face engine: detect -> landmarks -> align -> quality -> liveness -> embed. Two transports with one API:
// in-process (CLI evaluation, tests) and a worker thread (the app, so inference never blocks main).
import type { EngineBackend } from '../../shared/face';
import { InProcessEngine } from './engine';
import { WorkerEngine } from './worker-engine';
import type { FaceEngine } from './types';
import type { EncoderConfig } from './pipeline';

export type { AnalyzeInput, AnalyzeOptions, EngineStartOptions, FaceEngine } from './types';
export type { EvalEmbedding } from './engine';
export { InProcessEngine } from './engine';
export { WorkerEngine } from './worker-engine';
export { DEFAULT_ENCODER, ENCODER_CONFIGS, type EncoderConfig } from './pipeline';
export { isKnownEncoder } from './encoder-choice';
export * as qualityThresholds from './quality';
export { centredFaceLandmarks } from './eval-photo';

export function createInProcessEngine(opts?: {
  modelsDir?: string;
  backend?: EngineBackend;
  encoder?: EncoderConfig;
}): FaceEngine {
  return new InProcessEngine(opts);
}

export function createWorkerEngine(opts?: {
  workerPath?: string;
  modelsDir?: string;
  backend?: EngineBackend;
  encoder?: string;
}): FaceEngine {
  return new WorkerEngine(opts);
}
