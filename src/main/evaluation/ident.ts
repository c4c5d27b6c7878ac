// Open-set identification runner over an ident list (`presence eval ident`): enroll, then identify every
// probe and impostor through the app's own FaceIndex: its scoring, its threshold in force, its decision.
import { readFile } from 'node:fs/promises';
import { DEFAULT_SETTINGS } from '../../shared/settings';
import type { ThresholdSource } from '../../shared/types';
import { encoderSpaceOf, FaceIndex, fixedGallery } from '../domain/face-index';
import type { EvaluationEngine } from '../engine/index';
import { fnirAtFpir, percentile, rank1, type ProbeOutcome } from './metrics';
import { parseIdentList } from './pairs';
import { l2normalize } from '../engine/encoder';
import { cosine, embedPhoto, requirePhotos, type PhotoEmbedding, type Progress } from './embed';

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
  /**
   * The decision the app itself makes for this gallery at default settings (threshold.ts, the matcher's
   * alpha-and-margin rule): alpha in force, the share of impostors accepted as anyone, and the share of
   * probes not accepted as themselves. Only for the matcher's scoring.
   */
  alpha?: number;
  thresholdSource?: ThresholdSource;
  falseAcceptRate?: number;
  fnirAtDefault?: number;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** How a person's score is formed: the app's rule (the matcher's centroid) or the nearest template. */
export type IdentScoring = 'matcher' | 'nearest-template';

/** Similarity of unit vectors at Euclidean distance d (cosine), so a higher score is a closer face. */
const cosineAt = (d: number): number => 1 - (d * d) / 2;

/**
 * Enrolls the `enroll` rows and identifies every `probe` and `impostor` row. By default a person is scored
 * exactly as the app scores them, through the app's own Matcher (the centroid of their templates); the
 * nearest-template rule is reported beside it for comparison (bench/RESULTS.md).
 */
export async function evaluateIdent(args: {
  listFile: string;
  imagesDir: string;
  engine: EvaluationEngine;
  onProgress?: Progress;
  scoring?: IdentScoring;
}): Promise<IdentReport> {
  return (await evaluateIdentDetailed(args))[args.scoring ?? 'matcher'];
}

/** Both scorings from one pass over the photos. */
export async function evaluateIdentDetailed(args: {
  listFile: string;
  imagesDir: string;
  engine: EvaluationEngine;
  onProgress?: Progress;
}): Promise<Record<IdentScoring, IdentReport>> {
  const rows = parseIdentList(await readFile(args.listFile, 'utf8'), args.imagesDir);
  requirePhotos([...new Set(rows.map((r) => r.image))], args.imagesDir);
  const emb: PhotoEmbedding[] = [];
  for (let i = 0; i < rows.length; i++) {
    emb.push(await embedPhoto(args.engine, rows[i].image));
    args.onProgress?.(i + 1, rows.length);
  }
  const enrolled = rows.flatMap((r, i) =>
    r.role === 'enroll' && emb[i].embedding ? [{ r, e: emb[i].embedding! }] : [],
  );
  // The kiosk's own gallery and decision, on these templates: FaceIndex over a fixed list instead of a database.
  const space = encoderSpaceOf(args.engine.status());
  const index = space && enrolled.length ? new FaceIndex(fixedGallery(enrolledTemplates(enrolled))) : null;
  if (index && space) {
    index.use(space);
    await index.reviewed();
  }
  const templates = enrolled.map(({ r, e }) => ({ personId: r.identity, unit: l2normalize(e) }));

  const byMatcher = (q: Float32Array) => {
    const d = index?.identify(q, DEFAULT_SETTINGS);
    return d?.personId ? { identity: d.personId, score: cosineAt(d.distance) } : null;
  };
  const byNearestTemplate = (q: Float32Array) => {
    const u = l2normalize(q);
    let best: { identity: string; score: number } | null = null;
    for (const t of templates) {
      const s = cosine(t.unit, u);
      if (!best || s > best.score) best = { identity: t.personId, score: s };
    }
    return best;
  };

  const report = (identify: (q: Float32Array) => { identity: string; score: number } | null): IdentReport => {
    const probes: ProbeOutcome[] = [];
    const impostorScores: number[] = [];
    rows.forEach((r, i) => {
      if (r.role === 'enroll') return;
      const q = emb[i].embedding;
      // A photo that could not be embedded is a miss: no identity, lowest score.
      const best = q ? identify(q) : null;
      const score = best ? best.score : -Infinity;
      if (r.role === 'probe') probes.push({ correct: best?.identity === r.identity, score });
      else impostorScores.push(score);
    });
    return {
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
    };
  };
  const atDefault = index ? appDecision(index, rows, emb) : {};
  return { matcher: { ...report(byMatcher), ...atDefault }, 'nearest-template': report(byNearestTemplate) };
}

function enrolledTemplates(enrolled: ReadonlyArray<{ r: { identity: string }; e: Float32Array }>) {
  return enrolled.map(({ r, e }, t) => ({ templateId: String(t), personId: r.identity, embedding: e }));
}

/** Every probe and impostor through the app's own decision at default settings, for this gallery. */
function appDecision(
  index: FaceIndex,
  rows: ReturnType<typeof parseIdentList>,
  emb: PhotoEmbedding[],
): Pick<IdentReport, 'alpha' | 'thresholdSource' | 'falseAcceptRate' | 'fnirAtDefault'> {
  const t = index.inForce(DEFAULT_SETTINGS);
  let probes = 0,
    missed = 0,
    impostors = 0,
    accepted = 0;
  rows.forEach((r, i) => {
    if (r.role === 'enroll') return;
    const q = emb[i]!.embedding;
    const d = q ? index.identify(q, DEFAULT_SETTINGS) : null;
    if (r.role === 'probe') {
      probes++;
      if (!d?.accepted || d.personId !== r.identity) missed++;
    } else {
      impostors++;
      if (d?.accepted) accepted++;
    }
  });
  return {
    alpha: round(t.alpha),
    thresholdSource: t.source,
    falseAcceptRate: impostors ? round(accepted / impostors) : 0,
    fnirAtDefault: probes ? round(missed / probes) : 0,
  };
}
