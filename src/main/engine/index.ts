// What the rest of main may take from the engine without loading it: the types, the encoder registry
// (data), the worker client and a few pure helpers. The engine itself (TF.js, sharp, the models) loads only
// in its worker, or where a caller asks for it by name (`./engine`: createInProcessEngine, for the CLI's
// evaluation and tests); test/unit/engine-barrel.test.ts checks that the Electron main bundle holds none of it.
import type { EngineBackend } from '../../shared/face';
import { WorkerEngine } from './worker-engine';
import type { FaceEngine } from './types';

export type {
  AnalyzeInput,
  AnalyzeOptions,
  EngineStartOptions,
  EvalEmbedding,
  EvaluationEngine,
  FaceEngine,
  TrainingEngine,
} from './types';
export { WorkerEngine } from './worker-engine';
export { DEFAULT_ENCODER, ENCODER_CONFIGS, type EncoderConfig } from './encoder-configs';
export { isKnownEncoder } from './encoder-choice';
export { readImageFile } from './photo-file';
export { decodeChip } from './chip-format';
// Pure: which face of a photo is its subject (the one nearest the centre), for eval and `presence cluster`.
export { centredFace } from './eval-photo';
export {
  applyHead,
  readTrainedModel,
  trainedModelId,
  trainedModelInfo,
  HEAD_FORMAT,
  FINETUNE_FORMAT,
  type HeadWeights,
  type TrainedFormat,
  type TrainedModel,
  type TrainedModelManifest,
} from './trained-head';
// Data only: the layout of a fine-tuned MobileFaceNet's last stage, which `presence train` writes.
export {
  MOBILEFACENET_DIM,
  TAIL_CHANNELS,
  TAIL_FLOATS,
  TAIL_LAYERS,
  TAIL_SHAPES,
  TRUNK_CELLS,
  TRUNK_CHANNELS,
  tailFromFloats,
  tailToFloats,
  type MobileFaceNetTail,
} from './mobilefacenet-tail';

export function createWorkerEngine(opts?: {
  workerPath?: string;
  modelsDir?: string;
  backend?: EngineBackend;
  encoder?: string;
}): FaceEngine {
  return new WorkerEngine(opts);
}
