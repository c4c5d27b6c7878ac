// The labelled training folder (one sub-folder of photos per person) and its photos' embeddings through
// the engine's own detection and alignment. A photo is used only when it shows exactly one usable face.
import { isAppError, type AppError } from '../../shared/errors';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FaceAnalysis } from '../../shared/face';
import type { TrainingEngine } from '../engine/index';
import type { EmbeddingCache } from './embedding-cache';

const PHOTO = /\.(jpe?g|png|webp)$/i;

export interface PhotoFile {
  /** Absolute path. */
  file: string;
  /** Relative to the training folder, with '/' separators. */
  rel: string;
  bytes: number;
}

export interface PersonFolder {
  name: string;
  photos: PhotoFile[];
}

/** People sorted by name, photos by file name; hidden files and folders are not read. */
export function listLabelledFolder(dir: string): PersonFolder[] {
  const visible = (n: string) => !n.startsWith('.');
  // A symbolic link counts as what it points to (a folder of links into a photo library is common).
  const is = (full: string, kind: 'file' | 'directory') => {
    try {
      const st = statSync(full);
      return kind === 'file' ? st.isFile() : st.isDirectory();
    } catch {
      return false; // a broken link
    }
  };
  return readdirSync(dir)
    .filter((name) => visible(name) && is(path.join(dir, name), 'directory'))
    .sort()
    .map((name) => ({
      name,
      photos: readdirSync(path.join(dir, name))
        .filter((f) => visible(f) && PHOTO.test(f) && is(path.join(dir, name, f), 'file'))
        .sort()
        .map((f) => {
          const file = path.join(dir, name, f);
          return { file, rel: `${name}/${f}`, bytes: statSync(file).size };
        }),
    }));
}

/** sha256 over the sorted relative paths and byte sizes: which photos a model was trained on, not their content. */
export function dataHashOf(photos: readonly PhotoFile[]): string {
  const h = createHash('sha256');
  for (const p of [...photos].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)))
    h.update(`${p.rel}\t${p.bytes}\n`);
  return h.digest('hex');
}

export type TrainingPhoto = { photo: PhotoFile; embedding: Float32Array } | { photo: PhotoFile; reason: string };

/**
 * What a photo gives the trainer: the base encoder's embedding of its face (--mode head), or the frozen
 * MobileFaceNet trunk's output for its face chip (--mode finetune: engine encoderFeatures).
 */
export type TrainingRows = 'embedding' | 'trunk';

export interface EmbedOptions {
  cache: EmbeddingCache;
  encoderId: string;
  /** Default 'embedding'. */
  rows?: TrainingRows;
  /** The crowd rule (domain/faces.ts `crowded`), given by the caller: its one home is the domain. */
  crowded: (faces: readonly FaceAnalysis[]) => boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Each photo's embedding of its one face (or its trunk features, rows 'trunk'), as enrollment would take
 * it (the largest face, mirror pass), or the reason it is skipped: no face, a second person (the crowd
 * rule), or unreadable. Stops early on the signal; the photos not reached are then missing from the answer.
 */
export async function embedTrainingPhotos(
  engine: TrainingEngine,
  photos: readonly PhotoFile[],
  opts: EmbedOptions,
): Promise<TrainingPhoto[]> {
  const out: TrainingPhoto[] = [];
  const trunk = opts.rows === 'trunk';
  for (let i = 0; i < photos.length; i++) {
    if (opts.signal?.aborted) break;
    const photo = photos[i]!;
    const key = opts.cache.key(trunk ? 'train-trunk' : 'train', opts.encoderId, photo.file);
    let got = opts.cache.get(key);
    if (!got) {
      got = await embedOne(engine, photo.file, opts.crowded, trunk);
      opts.cache.set(key, got);
    }
    out.push(got.embedding ? { photo, embedding: got.embedding } : { photo, reason: got.reason ?? 'not usable' });
    opts.onProgress?.(i + 1, photos.length);
  }
  opts.cache.save();
  return out;
}

async function embedOne(
  engine: TrainingEngine,
  file: string,
  crowded: EmbedOptions['crowded'],
  trunk: boolean,
): Promise<{ embedding: Float32Array | null; found: boolean; reason?: string }> {
  try {
    const r = await engine.analyze(
      { kind: 'file', path: file },
      { embedFaces: 1, liveness: false, mirror: true, chip: trunk },
    );
    if (!r.faces.length) return { embedding: null, found: false, reason: 'no face found' };
    if (crowded(r.faces))
      return {
        embedding: null,
        found: true,
        reason: `${r.faces.length} faces: a second one is at least half the size of the first (whose photo is it?)`,
      };
    const face = r.faces[0]!;
    if (!face.embedding.length) return { embedding: null, found: true, reason: 'the face could not be embedded' };
    if (!trunk) return { embedding: face.embedding, found: true };
    if (!face.chip) return { embedding: null, found: true, reason: 'the face could not be cut out' };
    return { embedding: (await engine.encoderFeatures([face.chip]))[0]!, found: true };
  } catch (err) {
    // Only a problem of the photo itself is remembered as its answer; an engine that failed (or memory
    // that ran out) is thrown, so that a re-run tries the photo again instead of skipping it for good.
    if (!isPhotoProblem(err)) throw err;
    return { embedding: null, found: false, reason: `unreadable: ${err.message}` };
  }
}

/** The photo cannot be used (unreadable, unsupported, too large, no face): not a failure of the run. */
function isPhotoProblem(err: unknown): err is AppError {
  return isAppError(err) && (err.code.startsWith('IMAGE_') || err.code === 'NO_FACE');
}

/**
 * Validation photos the way `eval lfw` embeds them: the face nearest the centre, or the centred-face crop
 * when none is found (it still takes part); null when the photo cannot be read. With rows 'trunk', the
 * trunk features of that face's chip instead.
 */
export async function embedValidationPhotos(
  engine: TrainingEngine,
  files: readonly string[],
  opts: Omit<EmbedOptions, 'crowded'>,
): Promise<Map<string, { embedding: Float32Array | null; found: boolean }>> {
  const out = new Map<string, { embedding: Float32Array | null; found: boolean }>();
  const trunk = opts.rows === 'trunk';
  const embed = async (file: string) => {
    if (!trunk) return engine.embedForEvaluation({ kind: 'file', path: file });
    const { chip, found } = await engine.evaluationChip({ kind: 'file', path: file });
    return { embedding: (await engine.encoderFeatures([chip]))[0]!, found };
  };
  for (let i = 0; i < files.length; i++) {
    if (opts.signal?.aborted) break;
    const file = files[i]!;
    let got: { embedding: Float32Array | null; found: boolean } | undefined;
    let key: string | null = null;
    try {
      key = opts.cache.key(trunk ? 'eval-trunk' : 'eval', opts.encoderId, file);
      got = opts.cache.get(key);
    } catch {
      got = { embedding: null, found: false };
    }
    if (!got) {
      try {
        const r = await embed(file);
        got = { embedding: r.embedding, found: r.found };
      } catch (err) {
        if (!isPhotoProblem(err)) throw err;
        got = { embedding: null, found: false };
      }
      if (key) opts.cache.set(key, got);
    }
    out.set(file, got);
    opts.onProgress?.(i + 1, files.length);
  }
  opts.cache.save();
  return out;
}
