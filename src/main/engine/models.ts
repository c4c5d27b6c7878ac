// Reads model files from disk only (no network) and refuses any file whose sha256 differs from
// models/models.json: a swapped or truncated weight file would silently change who matches whom.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { distanceTableProblem, type DistanceTable } from '../../shared/distance-table';

export interface ManifestFile {
  file: string;
  bytes: number;
  sha256: string;
}
export interface ManifestModel {
  id: string;
  role: 'detector' | 'landmarks' | 'encoder' | 'liveness' | 'distances';
  format: 'graph' | 'weights' | 'json';
  files: ManifestFile[];
  input: number[];
}
export interface Manifest {
  models: ManifestModel[];
}

const manifests = new Map<string, Manifest>();

export function readManifest(modelsDir: string): Manifest {
  const cached = manifests.get(modelsDir);
  if (cached) return cached;
  const p = path.join(modelsDir, 'models.json');
  if (!existsSync(p))
    throw new AppError(
      'MODEL_MISSING',
      `The model manifest ${p} is missing: reinstall Presence or run "node scripts/fetch-models.mjs".`,
    );
  const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  manifests.set(modelsDir, m);
  return m;
}

export function manifestEntry(modelsDir: string, id: string): ManifestModel {
  const entry = readManifest(modelsDir).models.find((m) => m.id === id);
  if (!entry)
    throw new AppError(
      'MODEL_MISSING',
      `Model "${id}" is not listed in ${path.join(modelsDir, 'models.json')}: reinstall Presence.`,
    );
  return entry;
}

/** Reads one listed file and checks its size and sha256. */
export function readVerified(modelsDir: string, f: ManifestFile): Buffer {
  const p = path.join(modelsDir, f.file);
  if (!existsSync(p))
    throw new AppError(
      'MODEL_MISSING',
      `Model file ${p} is missing: reinstall Presence or run "node scripts/fetch-models.mjs".`,
    );
  const bytes = readFileSync(p);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== f.bytes || sha !== f.sha256) {
    throw new AppError(
      'MODEL_CHECKSUM',
      `Model file ${f.file} does not match its checksum in models.json: it is damaged or was replaced. Reinstall Presence.`,
      {
        file: f.file,
        expected: f.sha256,
        actual: sha,
      },
    );
  }
  return bytes;
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

function weightsFrom(
  modelsDir: string,
  entry: ManifestModel,
  groups: WeightsGroup[],
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const byName = new Map(entry.files.map((f) => [f.file, f]));
  const buffers: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const g of groups) {
    specs.push(...g.weights);
    for (const shard of g.paths) {
      const f = byName.get(path.basename(shard));
      if (!f)
        throw new AppError(
          'MODEL_MISSING',
          `Weight shard ${shard} of model "${entry.id}" is not listed in models.json: reinstall Presence.`,
        );
      buffers.push(readVerified(modelsDir, f));
    }
  }
  const all = Buffer.concat(buffers);
  return { specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

export async function loadGraph(modelsDir: string, id: string): Promise<GraphModel> {
  const entry = manifestEntry(modelsDir, id);
  const jsonFile = entry.files.find((f) => f.file.endsWith('.json'));
  if (!jsonFile) throw new AppError('MODEL_MISSING', `Model "${id}" has no model.json in models.json.`);
  const json = JSON.parse(readVerified(modelsDir, jsonFile).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: WeightsGroup[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: object;
    userDefinedMetadata?: Record<string, object>;
  };
  const { specs, data } = weightsFrom(modelsDir, entry, json.weightsManifest);
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: data,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  };
  return loadGraphModel(handler);
}

/** face-api style weights-only model: the network is rebuilt in code from these named tensors. */
export function loadWeights(modelsDir: string, id: string): tf.NamedTensorMap {
  const entry = manifestEntry(modelsDir, id);
  const jsonFile = entry.files.find((f) => f.file.endsWith('.json'));
  if (!jsonFile) throw new AppError('MODEL_MISSING', `Model "${id}" has no weights manifest in models.json.`);
  const groups = JSON.parse(readVerified(modelsDir, jsonFile).toString('utf8')) as WeightsGroup[];
  const { specs, data } = weightsFrom(modelsDir, entry, groups);
  return tf.io.decodeWeights(data, specs);
}

export function modelFile(modelsDir: string, id: string): string {
  const entry = manifestEntry(modelsDir, id);
  return (entry.files.find((f) => !f.file.endsWith('.json')) ?? entry.files[0]).file;
}

/**
 * The distance table measured for an embedding space (bench/distance-table.ts), checksummed like the
 * weights; null when none is listed (encoders kept for evaluation runs).
 */
export function readDistanceTable(modelsDir: string, encoderConfigId: string): DistanceTable | null {
  const entry = readManifest(modelsDir).models.find((m) => m.id === `${encoderConfigId}.distances`);
  if (!entry) return null;
  const table = JSON.parse(readVerified(modelsDir, entry.files[0]!).toString('utf8')) as DistanceTable;
  if (distanceTableProblem(table, encoderConfigId) !== null)
    throw new AppError(
      'MODEL_CHECKSUM',
      `The distance table of ${encoderConfigId} is not a valid table: reinstall Presence.`,
    );
  return table;
}
