// A model trained by `presence train`, in one of two forms:
//   --mode head      a projection head on top of a shipped encoder's unit vectors,
//                    y = normalise(x + x·W + b) (residual, so a zero W is the base encoder itself);
//   --mode finetune  the MobileFaceNet's last stage (conv2, gdconv, conv3) retrained, which replaces the
//                    shipped one in the network (mobilefacenet-tail.ts).
// Its folder:
//   manifest.json   format, id, base encoder, training settings and validation figures
//   head.bin        (head) float32 little-endian: W row-major (size x size), then b (size)
//   tail.bin        (finetune) float32 little-endian: each layer's filter then bias (tailToFloats)
//   distances.json  its impostor/genuine distance table (shared/distance-table.ts), measured on the
//                   validation data, which the threshold in force is read from
// The engine runs the base encoder with the trained tail, or applies the head after it: no TF.js here,
// a 128 x 128 matrix product is microseconds in plain JS.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { distanceTableProblem, type DistanceTable } from '../../shared/distance-table';
import type { TrainedModelInfo, ValidationFigures } from '../../shared/face';
import { ENCODER_CONFIGS, type EncoderConfig } from './encoder-configs';
import { MOBILEFACENET_DIM, TAIL_FLOATS, tailFromFloats, type MobileFaceNetTail } from './mobilefacenet-tail';

export const HEAD_FORMAT = 'presence-head/1';
export const FINETUNE_FORMAT = 'presence-finetune/1';
export type TrainedFormat = typeof HEAD_FORMAT | typeof FINETUNE_FORMAT;
/** The encoder whose last stage a fine-tune retrains (encoder-mobilefacenet.ts). */
const FINETUNE_ENCODER = 'mobilefacenet-foamliu';

export interface TrainedModelManifest {
  format: TrainedFormat;
  /** The embedding space: `<baseEncoder>+head-` or `+ft-`, then the first 8 hex of the weights' sha256. */
  id: string;
  baseEncoder: string;
  embeddingSize: number;
  weightsFile: string;
  weightsSha256: string;
  dataHash: string;
  training: Record<string, unknown>;
  validation: { pairs: number | null; before: ValidationFigures | null; after: ValidationFigures | null };
  createdAt: string;
}

export interface HeadWeights {
  size: number;
  /** size x size, row-major: w[i * size + j] maps input i to output j. */
  w: Float32Array;
  b: Float32Array;
}

/** Exactly one of head and tail, by the manifest's format. */
export interface TrainedModel {
  dir: string;
  manifest: TrainedModelManifest;
  head?: HeadWeights;
  tail?: MobileFaceNetTail;
  distances: DistanceTable;
}

/**
 * y = normalise(x + x·W + b): one face's embedding in the trained space (accumulated in doubles, so the
 * trainer's checks and the engine agree to the last float).
 */
export function applyHead(head: HeadWeights, x: Float32Array): Float32Array {
  const n = head.size;
  if (x.length !== n) throw new Error(`the head takes ${n}-D embeddings, not ${x.length}-D`);
  const z = new Float64Array(n);
  for (let j = 0; j < n; j++) z[j] = x[j]! + head.b[j]!;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) z[j]! += xi * head.w[row + j]!;
  }
  let s = 0;
  for (let j = 0; j < n; j++) s += z[j]! * z[j]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float32Array.from(z, (v) => v * inv);
}

/** The id a model's weights give it (the manifest must say the same). */
export function trainedModelId(
  baseEncoder: string,
  weightsSha256: string,
  format: TrainedFormat = HEAD_FORMAT,
): string {
  return `${baseEncoder}${format === FINETUNE_FORMAT ? '+ft-' : '+head-'}${weightsSha256.slice(0, 8)}`;
}

const invalid = (dir: string, why: string) =>
  new AppError(
    'MODEL_CHECKSUM',
    `${dir} is not a usable trained model: ${why}. Train it again with presence train, or choose another folder.`,
  );

/** What a model folder's files may weigh: a table is a few KB, a manifest less. */
const MAX_JSON_BYTES = { 'manifest.json': 256 * 1024, 'distances.json': 1024 * 1024 } as const;

/**
 * A file of the folder, read only when it is a regular file of at most `maxBytes` (a name that is a
 * folder, a device or a pipe, or a huge file, is refused before anything is read: the main process that
 * reads it also answers the kiosk).
 */
function readFileIn(dir: string, file: string, maxBytes: number): Buffer {
  const full = path.join(dir, file);
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new AppError(
      'MODEL_MISSING',
      `${dir} holds no ${file}: it is not a model folder written by presence train (check the path).`,
    );
  }
  if (!st.isFile()) throw invalid(dir, `its ${file} is not a file`);
  if (st.size > maxBytes) throw invalid(dir, `its ${file} is larger than a model's (${st.size} bytes)`);
  return readFileSync(full);
}

function readJson(dir: string, file: keyof typeof MAX_JSON_BYTES): unknown {
  const text = readFileIn(dir, file, MAX_JSON_BYTES[file]).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(dir, `${file} is not valid JSON`);
  }
}

/**
 * Reads and checks a trained model folder, given by its full path: its format, that the base encoder is
 * one this version runs, that head.bin is the file the manifest names (size and sha256) and that its id
 * follows from it, and that the distance table is a valid one measured in its own space. Any mismatch is
 * refused with a sentence; nothing the files say is repeated in it, as they may be any folder's files.
 */
export function readTrainedModel(dir: string): TrainedModel {
  if (!path.isAbsolute(dir))
    throw new AppError('INVALID_INPUT', `Give the model folder's full path, not ${dir}.`, { path: 'trainedModel' });
  const m = readJson(dir, 'manifest.json') as Partial<TrainedModelManifest>;
  if (m.format !== HEAD_FORMAT && m.format !== FINETUNE_FORMAT)
    throw invalid(dir, `its manifest.json is not one presence train writes`);
  const format = m.format;
  const base =
    typeof m.baseEncoder === 'string' && Object.hasOwn(ENCODER_CONFIGS, m.baseEncoder) ? m.baseEncoder : null;
  if (!base) throw invalid(dir, 'its base encoder is not one this version of Presence runs');
  const size = m.embeddingSize;
  if (!Number.isInteger(size) || size! <= 0 || size! > 4096) throw invalid(dir, 'its embedding size is not valid');
  const n = size!;
  if (format === FINETUNE_FORMAT) {
    const parts = ENCODER_CONFIGS[base]!.parts;
    if (parts.length !== 1 || parts[0]!.encoder !== FINETUNE_ENCODER || n !== MOBILEFACENET_DIM)
      throw invalid(dir, 'it is a fine-tune of an encoder that has no MobileFaceNet last stage');
  }
  if (typeof m.weightsFile !== 'string' || path.basename(m.weightsFile) !== m.weightsFile)
    throw invalid(dir, 'its manifest names no weights file in the folder');
  const floatsIn = format === HEAD_FORMAT ? n * n + n : TAIL_FLOATS;
  const expected = floatsIn * 4;
  const bytes = readFileIn(dir, m.weightsFile, expected);
  if (bytes.length !== expected) throw invalid(dir, `its weights file has ${bytes.length} bytes, not ${expected}`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== m.weightsSha256)
    throw invalid(dir, 'its weights file is not the one its manifest names (sha256 differs)');
  if (m.id !== trainedModelId(base, sha, format)) throw invalid(dir, 'its id does not follow from its weights');
  const floats = new Float32Array(floatsIn);
  for (let i = 0; i < floats.length; i++) floats[i] = bytes.readFloatLE(i * 4);
  if (!floats.every(Number.isFinite)) throw invalid(dir, 'its weights hold values that are not numbers');
  const distances = readJson(dir, 'distances.json') as DistanceTable;
  const problem = distanceTableProblem(distances, m.id);
  if (problem) throw invalid(dir, `its distance table cannot be used: ${problem}`);
  const model = { dir, manifest: m as TrainedModelManifest, distances };
  return format === HEAD_FORMAT
    ? { ...model, head: { size: n, w: floats.subarray(0, n * n), b: floats.subarray(n * n) } }
    : { ...model, tail: tailFromFloats(floats) };
}

/** The engine's config for a trained model: its base encoder's networks and alignment, then the head. */
export function trainedEncoderConfig(model: TrainedModel): EncoderConfig {
  const base = ENCODER_CONFIGS[model.manifest.baseEncoder]!;
  return {
    ...base,
    id: model.manifest.id,
    trained: { dir: model.dir, head: model.head, tail: model.tail, distances: model.distances },
  };
}

/** What the screens and the CLI show of a model: its manifest's facts, never its weights. */
export function trainedModelInfo(model: TrainedModel): TrainedModelInfo {
  const m = model.manifest;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const figures = (v: unknown): ValidationFigures | null => {
    const f = v as Partial<ValidationFigures> | null | undefined;
    return f && [f.accuracy, f.auc, f.tarAtFar1e3].every((x) => typeof x === 'number')
      ? { accuracy: f.accuracy!, auc: f.auc!, tarAtFar1e3: f.tarAtFar1e3! }
      : null;
  };
  return {
    id: m.id,
    dir: model.dir,
    baseEncoder: m.baseEncoder,
    mode: m.format === FINETUNE_FORMAT ? 'finetune' : 'head',
    people: count(m.training?.people),
    photos: count(m.training?.photos),
    epochs: count(m.training?.epochs),
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
    validation: {
      pairs: count(m.validation?.pairs),
      before: figures(m.validation?.before),
      after: figures(m.validation?.after),
    },
  };
}
