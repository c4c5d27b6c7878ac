// The output of `presence train --mode head`: a model folder the engine can load beside the base encoder.
//   head.bin        float32 little-endian: W (size x size, row-major), then b (size values)
//   manifest.json   format presence-head/1: id, base encoder, checksum, data hash, settings, figures
//   distances.json  the head's impostor/genuine distance table (src/shared/distance-table.ts)
// The manifest is written last: a folder with a manifest is a whole one.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DistanceTable } from '../../shared/distance-table';
import { float32ToLE, writeFileAtomic } from './checkpoint';
import { HEAD_FORMAT, trainedModelId, type HeadWeights, type TrainedModelManifest } from '../engine';
import type { Miner } from './triplet';
import type { VerificationFigures } from './trainer';

// The format, its id rule and what the manifest holds are the engine's, which reads the folder.
export const HEAD_WEIGHTS_FILE = 'head.bin';
export const MANIFEST_FILE = 'manifest.json';
export const DISTANCES_FILE = 'distances.json';

/** The engine's manifest (engine/trained-head.ts), with what `presence train --mode head` writes in it. */
export interface ModelManifest extends Omit<TrainedModelManifest, 'training' | 'validation'> {
  format: typeof HEAD_FORMAT;
  /** `<baseEncoder>+head-<first 8 hex of sha256(head.bin)>`: the embedding space of templates made with it. */
  id: string;
  baseEncoder: string;
  embeddingSize: number;
  weightsFile: string;
  weightsSha256: string;
  /** sha256 over the sorted relative photo paths of the training folder and their byte sizes. */
  dataHash: string;
  training: {
    mode: 'head';
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

export interface ModelFolderInput {
  weights: HeadWeights;
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
  const bin = headBytes(input.weights);
  const id = trainedModelId(input.baseEncoder, sha256(bin));
  const manifest: ModelManifest = {
    format: HEAD_FORMAT,
    id,
    baseEncoder: input.baseEncoder,
    embeddingSize: input.weights.size,
    weightsFile: HEAD_WEIGHTS_FILE,
    weightsSha256: sha256(bin),
    dataHash: input.dataHash,
    training: input.training,
    validation: input.validation,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
  };
  const { encoderId: _measured, ...measured } = input.distances as DistanceTable;
  const table: DistanceTable = { encoderId: id, ...measured };
  writeFileAtomic(path.join(dir, HEAD_WEIGHTS_FILE), bin);
  writeFileAtomic(path.join(dir, DISTANCES_FILE), JSON.stringify(table, null, 1) + '\n');
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
