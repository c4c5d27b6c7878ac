// The trainer's checkpoint: everything a run needs to continue as if it had never stopped (weights,
// Adam's state, the sampler's random state, where in which epoch, the history so far). One JSON file,
// float arrays as base64 of float32 little-endian so they come back bit for bit, written to a temporary
// file and renamed so that a crash mid-write leaves the previous checkpoint whole.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const CHECKPOINT_FORMAT = 'presence-train-checkpoint/1';

export function float32ToLE(values: Float32Array): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf;
}

export function float32FromLE(buf: Buffer): Float32Array {
  if (buf.length % 4) throw new Error('a float32 buffer must hold a whole number of 4-byte values');
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export const encodeFloats = (values: Float32Array): string => float32ToLE(values).toString('base64');
export const decodeFloats = (text: string): Float32Array => float32FromLE(Buffer.from(text, 'base64'));

/** Writes a file so that readers see the old one or the new one, never half of one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 }); // face embeddings of the training people
  renameSync(tmp, file);
}

export interface Checkpoint<Config, Report, Partial> {
  format: typeof CHECKPOINT_FORMAT;
  config: Config;
  dataHash: string;
  /** Epochs finished. */
  epoch: number;
  /** Steps finished in the epoch under way (0 at an epoch's end). */
  step: number;
  rngState: number;
  history: Report[];
  /** The running sums of the epoch under way. */
  partial: Partial;
  /** Named float arrays (base64 float32 LE): the head's and the classifier's variables. */
  weights: Record<string, string>;
  optimizer: { iterations: number; accBeta1: number; accBeta2: number; moments: string[] };
  savedAt: string;
}

export function writeCheckpoint<C, R, P>(file: string, ckpt: Checkpoint<C, R, P>): void {
  writeFileAtomic(file, JSON.stringify(ckpt));
}

export function readCheckpoint<C, R, P>(file: string): Checkpoint<C, R, P> {
  if (!existsSync(file)) throw new Error(`There is no checkpoint at ${file}: run without --resume to start afresh.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`The checkpoint ${file} is not readable JSON: run without --resume to start afresh.`);
  }
  if ((parsed as { format?: unknown }).format !== CHECKPOINT_FORMAT)
    throw new Error(`${file} is not a ${CHECKPOINT_FORMAT} checkpoint: run without --resume to start afresh.`);
  return parsed as Checkpoint<C, R, P>;
}
