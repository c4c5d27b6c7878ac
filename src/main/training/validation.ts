// Verification figures of a trained model on an LFW-format pairs file, with the project's own metric
// code: the 10-fold accuracy, AUC and TAR at FAR 1e-3 of `presence eval lfw`, on the embeddings through
// the model (a head on base-encoder embeddings, or a fine-tuned last stage on trunk features).
import { auc, tarAtFar, tenFold } from '../evaluation/metrics';
import type { Pair } from '../evaluation/pairs';
import type { VerificationFigures } from './trainer';

export interface ValidationSet {
  pairs: readonly Pair[];
  folds: number;
  /** The model's input for each photo the pairs name; null for a photo that could not be read. */
  embeddings: ReadonlyMap<string, Float32Array | null>;
}

/** A model as validation runs it: input rows to unit vectors, in the same order. */
export type Embedder = (rows: readonly Float32Array[]) => Float32Array[];

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function verify(set: ValidationSet, embed: Embedder): VerificationFigures {
  const known = [...set.embeddings].filter((entry): entry is [string, Float32Array] => entry[1] !== null);
  const rows = embed(known.map(([, e]) => e));
  const through = new Map<string, Float32Array | null>(known.map(([p], i) => [p, rows[i]!]));
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
