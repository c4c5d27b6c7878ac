// LFW verification runner: 10-fold protocol over a pairs file (`presence eval lfw`).
import { readFile } from 'node:fs/promises';
import type { EvaluationEngine } from '../engine/index';
import { auc, percentile, tarAtFar, tenFold } from './metrics';
import { parsePairs } from './pairs';
import { cosine, embedPhoto, requirePhotos, type PhotoEmbedding, type Progress } from './embed';

export interface LfwReport {
  pairs: number;
  folds: number;
  /** Fraction, mean over folds. */
  accuracy: number;
  std: number;
  auc: number;
  tarAtFar1e3: number;
  /** Photos in which no face was found (centred-face fallback used) or that could not be read. */
  failures: number;
  msPerImageP50: number;
  backend: string | null;
  encoder: string | null;
}

export interface LfwDetails {
  report: LfwReport;
  scores: number[];
  same: boolean[];
  fold: number[];
  thresholds: number[];
  failedPhotos: string[];
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

export async function evaluateLfwDetailed(args: {
  pairsFile: string;
  imagesDir: string;
  engine: EvaluationEngine;
  onProgress?: Progress;
}): Promise<LfwDetails> {
  const { pairs, folds } = parsePairs(await readFile(args.pairsFile, 'utf8'), args.imagesDir);
  const photos = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  requirePhotos(photos, args.imagesDir);
  const emb = new Map<string, PhotoEmbedding>();
  for (let i = 0; i < photos.length; i++) {
    emb.set(photos[i], await embedPhoto(args.engine, photos[i]));
    args.onProgress?.(i + 1, photos.length);
  }
  const scores = pairs.map((p) => cosine(emb.get(p.a)!.embedding, emb.get(p.b)!.embedding));
  const same = pairs.map((p) => p.same);
  const fold = pairs.map((p) => p.fold);
  const tf = tenFold(scores, same, fold, folds);
  const status = args.engine.status();
  const failedPhotos = photos.filter((p) => emb.get(p)!.failed);
  return {
    report: {
      pairs: pairs.length,
      folds,
      accuracy: round(tf.accuracy),
      std: round(tf.std),
      auc: round(auc(scores, same)),
      tarAtFar1e3: round(tarAtFar(scores, same, 1e-3)),
      failures: failedPhotos.length,
      msPerImageP50: round(
        percentile(
          [...emb.values()].map((e) => e.ms),
          0.5,
        ),
        1,
      ),
      backend: status.backend,
      encoder: status.encoderId,
    },
    scores,
    same,
    fold,
    thresholds: tf.thresholds,
    failedPhotos,
  };
}

export async function evaluateLfw(args: {
  pairsFile: string;
  imagesDir: string;
  engine: EvaluationEngine;
  onProgress?: Progress;
}): Promise<LfwReport> {
  return (await evaluateLfwDetailed(args)).report;
}
