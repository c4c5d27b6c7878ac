// The output of `presence train`: a model folder the engine can load beside the base encoder.
//   head.bin        --mode head: float32 little-endian: W (size x size, row-major), then b (size values)
//   tail.bin        --mode finetune: float32 little-endian: the MobileFaceNet's conv2, gdconv and conv3,
//                   each filter then bias (engine/mobilefacenet-tail.ts tailToFloats)
//   manifest.json   format presence-head/1 or presence-finetune/1: id, base encoder, checksum, data hash,
//                   settings, figures
//   distances.json  the head's impostor/genuine distance table (src/shared/distance-table.ts)
// The manifest is written last: a folder with a manifest is a whole one.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DistanceTable } from '../../shared/distance-table';
import { float32ToLE, writeFileAtomic } from './checkpoint';
import {
  FINETUNE_FORMAT,
  HEAD_FORMAT,
  MOBILEFACENET_DIM,
  tailToFloats,
  trainedModelId,
  type HeadWeights,
  type MobileFaceNetTail,
  type TrainedFormat,
  type TrainedModelManifest,
} from '../engine';
import type { Miner } from './triplet';
import type { VerificationFigures } from './trainer';

// The format, its id rule and what the manifest holds are the engine's, which reads the folder.
export const HEAD_WEIGHTS_FILE = 'head.bin';
export const TAIL_WEIGHTS_FILE = 'tail.bin';
export const MANIFEST_FILE = 'manifest.json';
export const DISTANCES_FILE = 'distances.json';

/** The engine's manifest (engine/trained-head.ts), with what `presence train` writes in it. */
export interface ModelManifest extends Omit<TrainedModelManifest, 'training' | 'validation'> {
  format: TrainedFormat;
  /** `<baseEncoder>+head-` or `+ft-`, then the first 8 hex of the weights' sha256: the embedding space of templates made with it. */
  id: string;
  baseEncoder: string;
  embeddingSize: number;
  weightsFile: string;
  weightsSha256: string;
  /** sha256 over the sorted relative photo paths of the training folder and their byte sizes. */
  dataHash: string;
  training: {
    mode: 'head' | 'finetune';
    epochs: number;
    people: number;
    photos: number;
    skipped: number;
    batchPeople: number;
    batchPhotos: number;
    margin: number;
    miner: Miner;
    auxWeight: number;
    learningRate: number;
    seed: number;
  };
  validation: {
    pairs: number | null;
    before: VerificationFigures | null;
    after: VerificationFigures | null;
  };
  createdAt: string;
}

export function headBytes(weights: HeadWeights): Buffer {
  const all = new Float32Array(weights.w.length + weights.b.length);
  all.set(weights.w, 0);
  all.set(weights.b, weights.w.length);
  return float32ToLE(all);
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** What was trained: a projection head, or the MobileFaceNet's last stage. */
export type TrainedWeights = { head: HeadWeights } | { tail: MobileFaceNetTail };

export interface ModelFolderInput {
  weights: TrainedWeights;
  baseEncoder: string;
  dataHash: string;
  training: ModelManifest['training'];
  validation: ModelManifest['validation'];
  /** The table as measured; its encoderId (if any) is replaced by the model's id here. */
  distances: Omit<DistanceTable, 'encoderId'> & { encoderId?: string };
  createdAt?: Date;
}

export function writeModelFolder(dir: string, input: ModelFolderInput): ModelManifest {
  mkdirSync(dir, { recursive: true });
  const w = input.weights;
  const format = 'head' in w ? HEAD_FORMAT : FINETUNE_FORMAT;
  const bin = 'head' in w ? headBytes(w.head) : float32ToLE(tailToFloats(w.tail));
  const weightsFile = 'head' in w ? HEAD_WEIGHTS_FILE : TAIL_WEIGHTS_FILE;
  const id = trainedModelId(input.baseEncoder, sha256(bin), format);
  const manifest: ModelManifest = {
    format,
    id,
    baseEncoder: input.baseEncoder,
    embeddingSize: 'head' in w ? w.head.size : MOBILEFACENET_DIM,
    weightsFile,
    weightsSha256: sha256(bin),
    dataHash: input.dataHash,
    training: input.training,
    validation: input.validation,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
  };
  const { encoderId: _measured, ...measured } = input.distances as DistanceTable;
  const table: DistanceTable = { encoderId: id, ...measured };
  writeFileAtomic(path.join(dir, weightsFile), bin);
  writeFileAtomic(path.join(dir, DISTANCES_FILE), JSON.stringify(table, null, 1) + '\n');
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
