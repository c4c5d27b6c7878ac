// Open-set identification runner over an ident list (`presence eval ident`): enroll, then identify every
// probe and impostor against the nearest enrolled template (exact search).
import { readFile } from 'node:fs/promises';
import type { FaceEngine } from '../engine/index';
import { fnirAtFpir, percentile, rank1, type ProbeOutcome } from './metrics';
import { parseIdentList } from './pairs';
import { embedPhoto, type PhotoEmbedding, type Progress } from './embed';

export interface IdentReport {
  /** People enrolled. */
  enrolled: number;
  probes: number;
  impostors: number;
  rank1: number;
  fnirAtFpir1e2: number;
  fnirAtFpir1e3: number;
  failures: number;
  msPerImageP50: number;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** Best identity by nearest template (max cosine) over a contiguous template matrix. */
export function nearest(
  templates: Float32Array,
  owners: string[],
  dim: number,
  q: Float32Array | null,
): { identity: string | null; score: number } {
  if (!q) return { identity: null, score: -Infinity };
  let best = -Infinity,
    who: string | null = null;
  for (let t = 0; t < owners.length; t++) {
    let s = 0;
    const o = t * dim;
    for (let k = 0; k < dim; k++) s += templates[o + k] * q[k];
    if (s > best) {
      best = s;
      who = owners[t];
    }
  }
  return { identity: who, score: best };
}

export type IdentScoring = 'nearest-template' | 'centroid';

/**
 * `scoring` picks how a person's score is formed: their nearest template (the default, as the matcher does)
 * or their centroid (bench/RESULTS.md: fewer false identifications at the same rank-1).
 */
export async function evaluateIdent(args: {
  listFile: string;
  imagesDir: string;
  engine: FaceEngine;
  onProgress?: Progress;
  scoring?: IdentScoring;
}): Promise<IdentReport> {
  return (await evaluateIdentDetailed(args))[args.scoring ?? 'nearest-template'];
}

/**
 * Both per-person scorings from one pass over the photos: the nearest template (what the runner reports)
 * and the person's centroid (mean of their L2-normalised templates, renormalised), DESIGN's "robust mean".
 */
export async function evaluateIdentDetailed(args: {
  listFile: string;
  imagesDir: string;
  engine: FaceEngine;
  onProgress?: Progress;
}): Promise<Record<IdentScoring, IdentReport>> {
  const rows = parseIdentList(await readFile(args.listFile, 'utf8'), args.imagesDir);
  const emb: PhotoEmbedding[] = [];
  for (let i = 0; i < rows.length; i++) {
    emb.push(await embedPhoto(args.engine, rows[i].image));
    args.onProgress?.(i + 1, rows.length);
  }
  const enrollIdx = rows.map((r, i) => (r.role === 'enroll' && emb[i].embedding ? i : -1)).filter((i) => i >= 0);
  const dim = enrollIdx.length ? emb[enrollIdx[0]].embedding!.length : 0;
  const templates = new Float32Array(enrollIdx.length * dim);
  const owners: string[] = [];
  enrollIdx.forEach((i, t) => {
    templates.set(emb[i].embedding!, t * dim);
    owners.push(rows[i].identity);
  });

  const people = [...new Set(owners)];
  const centroids = new Float32Array(people.length * dim);
  people.forEach((p, j) => {
    const c = centroids.subarray(j * dim, (j + 1) * dim);
    owners.forEach((o, t) => {
      if (o === p) for (let k = 0; k < dim; k++) c[k] += templates[t * dim + k];
    });
    let n = 0;
    for (let k = 0; k < dim; k++) n += c[k] * c[k];
    n = Math.sqrt(n) || 1;
    for (let k = 0; k < dim; k++) c[k] /= n;
  });
  const report = (gallery: Float32Array, who: string[]): IdentReport => {
    const probes: ProbeOutcome[] = [];
    const impostorScores: number[] = [];
    rows.forEach((r, i) => {
      if (r.role === 'enroll') return;
      const best = nearest(gallery, who, dim, emb[i].embedding);
      if (r.role === 'probe') probes.push({ correct: best.identity === r.identity, score: best.score });
      else impostorScores.push(best.score);
    });
    return summarise(probes, impostorScores);
  };
  const summarise = (probes: ProbeOutcome[], impostorScores: number[]): IdentReport => ({
    enrolled: new Set(rows.filter((r) => r.role === 'enroll').map((r) => r.identity)).size,
    probes: probes.length,
    impostors: impostorScores.length,
    rank1: round(rank1(probes)),
    fnirAtFpir1e2: round(fnirAtFpir(probes, impostorScores, 1e-2)),
    fnirAtFpir1e3: round(fnirAtFpir(probes, impostorScores, 1e-3)),
    failures: emb.filter((e) => e.failed).length,
    msPerImageP50: round(
      percentile(
        emb.map((e) => e.ms),
        0.5,
      ),
      1,
    ),
  });
  return { 'nearest-template': report(templates, owners), centroid: report(centroids, people) };
}
