// One embedding per photo for the runners, through whichever engine the caller started.
import { existsSync } from 'node:fs';
import type { EvaluationEngine } from '../engine/index';

export interface PhotoEmbedding {
  embedding: Float32Array | null;
  /** No face found (fallback used) or the photo could not be read. */
  failed: boolean;
  ms: number;
  error?: string;
}

/**
 * The photo's subject is the face nearest its centre, or the centred-face crop when no face is found
 * (EvaluationEngine): such a photo still takes part and is counted as a failure. A photo that cannot be
 * read yields no embedding: its pairs score as non-matching.
 */
export async function embedPhoto(engine: EvaluationEngine, path: string): Promise<PhotoEmbedding> {
  const t0 = performance.now();
  try {
    const r = await engine.embedForEvaluation({ kind: 'file', path });
    return { embedding: r.embedding, failed: !r.found, ms: r.ms };
  } catch (err) {
    return {
      embedding: null,
      failed: true,
      ms: performance.now() - t0,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/**
 * Every photo the list names must be there: a wrong --images folder or a typo in the list would otherwise
 * be scored as "no face found" and give a figure about nothing.
 */
export function requirePhotos(paths: readonly string[], imagesDir: string): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  throw new Error(
    `Missing from ${imagesDir}: ${missing.length} of the ${paths.length} photos named in the list (the first: ${missing[0]}). Check --images and the list.`,
  );
}

export function cosine(a: Float32Array | null, b: Float32Array | null): number {
  if (!a || !b || a.length !== b.length) return -1;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export type Progress = (done: number, total: number) => void;
