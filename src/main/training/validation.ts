// Verification figures of a head on an LFW-format pairs file, with the project's own metric code:
// the 10-fold accuracy, AUC and TAR at FAR 1e-3 of `presence eval lfw`, on the embeddings through the head.
import { auc, tarAtFar, tenFold } from '../evaluation/metrics';
import type { Pair } from '../evaluation/pairs';
import { applyHead, type HeadWeights } from './head';
import type { VerificationFigures } from './trainer';

export interface ValidationSet {
  pairs: readonly Pair[];
  folds: number;
  /** Base-encoder embedding of each photo the pairs name; null for a photo that could not be read. */
  embeddings: ReadonlyMap<string, Float32Array | null>;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function verify(set: ValidationSet, weights: HeadWeights): VerificationFigures {
  const through = new Map<string, Float32Array | null>();
  for (const [p, e] of set.embeddings) through.set(p, e ? applyHead(weights, e) : null);
  // As `eval lfw` scores a pair with an unreadable photo: as the least similar (cosine -1).
  const cosine = (a: Float32Array | null | undefined, b: Float32Array | null | undefined) => {
    if (!a || !b) return -1;
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };
  const scores = set.pairs.map((p) => cosine(through.get(p.a), through.get(p.b)));
  const same = set.pairs.map((p) => p.same);
  const fold = set.pairs.map((p) => p.fold);
  return {
    accuracy: round(tenFold(scores, same, fold, set.folds).accuracy),
    auc: round(auc(scores, same)),
    tarAtFar1e3: round(tarAtFar(scores, same, 1e-3)),
  };
}
