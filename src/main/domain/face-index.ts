// The in-memory gallery of the current encoder's templates, kept in step with the database:
// loaded once when the engine says which embedding space it produces, then updated on every
// enrollment and deletion, so recognition never reads SQLite on the hot path. Another process writing
// to the same file (the CLI importing while the kiosk runs) makes it load again.
//
// The threshold in force (threshold.ts) needs a review of the gallery (gallery-review.ts: probable
// duplicates, closest look-alikes). That review touches every template, so it never runs on a kiosk
// frame or an enrollment shot: every change of the gallery schedules it, it runs in chunks between
// other work, and frames use the last finished review until then.
import { AppError } from '../../shared/errors';
import type { DistanceTable } from '../../shared/distance-table';
import type { Settings } from '../../shared/settings';
import type { LoadedTemplate, Store } from '../db';
import type { CalibrationPoint, CalibrationResult } from '../../shared/types';
import { farAtDistance, frrAtDistance, stationFarOf } from '../../shared/distance-table';
import { EMPTY_REVIEW, reviewGallery, type GalleryReview } from './gallery-review';
import { Matcher, type MatchDecision } from './matcher';
import { duplicateDistance, thresholdInForce, type ThresholdInForce } from './threshold';

export interface EncoderSpace {
  encoderId: string;
  embeddingSize: number;
  defaultThreshold: number | null;
  distances: DistanceTable | null;
}

/** The embedding space an engine reports once its models are loaded; null before that. */
export function encoderSpaceOf(status: {
  encoderId: string | null;
  embeddingSize: number | null;
  defaultThreshold: number | null;
  distances: DistanceTable | null;
}): EncoderSpace | null {
  if (!status.encoderId || !status.embeddingSize) return null;
  return {
    encoderId: status.encoderId,
    embeddingSize: status.embeddingSize,
    defaultThreshold: status.defaultThreshold,
    distances: status.distances,
  };
}

/**
 * Where the gallery's templates come from: the station's database, or (evaluation) a fixed list held in
 * memory, so that an evaluation measures the very decision the kiosk makes.
 */
export interface GallerySource {
  loadAll(encoderId: string): LoadedTemplate[];
  /** Bumped by every change of the templates (TemplatesRepo.changeCounter). */
  changeCounter(): number;
  /** Another process committed since the last look (Store.changedElsewhere). */
  changedElsewhere(): boolean;
}

export function databaseGallery(store: Store): GallerySource {
  return {
    loadAll: (encoderId) => store.templates.loadAll(encoderId),
    changeCounter: () => store.templates.changeCounter(),
    changedElsewhere: () => store.changedElsewhere('gallery'),
  };
}

/** A gallery that never changes: these templates, of the one encoder the index is used with. */
export function fixedGallery(templates: readonly LoadedTemplate[]): GallerySource {
  return { loadAll: () => [...templates], changeCounter: () => 0, changedElsewhere: () => false };
}

export class FaceIndex {
  private matcher: Matcher | null = null;
  private space: EncoderSpace | null = null;
  /** Bumped on every change of the gallery, so a review knows when it is out of date. */
  private version = 0;
  private review: GalleryReview = EMPTY_REVIEW;
  private reviewedVersion = -1;
  private reviewRun: Promise<void> | null = null;
  /** Reviews finished so far (tests check that frames do not cause any). */
  reviews = 0;

  constructor(private readonly source: GallerySource) {}

  /** (Re)loads every template of this encoder; cheap to call again with the same space. */
  use(space: EncoderSpace): void {
    if (this.space && this.space.encoderId === space.encoderId && this.matcher) return;
    this.load(space);
  }

  /** The gallery's change counter as last loaded or changed here (TemplatesRepo.changeCounter). */
  private loadedAt = -1;

  private load(space: EncoderSpace): void {
    // Another embedding space: the last review's distances mean nothing in it.
    if (this.space && this.space.encoderId !== space.encoderId) this.review = EMPTY_REVIEW;
    const matcher = new Matcher(space.embeddingSize);
    matcher.load(this.source.loadAll(space.encoderId));
    this.matcher = matcher;
    this.space = space;
    // Read after loadAll: setting an unreadable template aside bumps the counter too.
    this.loadedAt = this.source.changeCounter();
    this.changed();
  }

  /**
   * Loads again when another process changed the templates (this process's own changes are applied as
   * they happen). Another process's check-ins or audit entries only cost the counter query.
   */
  private syncWithDatabase(): void {
    if (!this.space || !this.source.changedElsewhere()) return;
    if (this.source.changeCounter() !== this.loadedAt) this.load(this.space);
  }

  get encoder(): EncoderSpace {
    if (!this.space)
      throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is still starting. Try again in a moment.');
    return this.space;
  }

  get size(): number {
    return this.matcher?.size ?? 0;
  }

  private get ready(): Matcher {
    if (!this.matcher)
      throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is still starting. Try again in a moment.');
    return this.matcher;
  }

  /**
   * The threshold in force and what it means (threshold.ts): the administrator's value, or the encoder's
   * distance table read at the target rate for the people enrolled here, tightened by the station's
   * look-alikes as of the last gallery review. Cheap: safe on every frame.
   */
  inForce(settings: Pick<Settings, 'threshold' | 'targetFar'>): ThresholdInForce {
    this.syncWithDatabase();
    return this.thresholdNow(settings);
  }

  /** The threshold in force for the gallery as it is in memory (the caller has synced it). */
  private thresholdNow(settings: Pick<Settings, 'threshold' | 'targetFar'>): ThresholdInForce {
    return thresholdInForce({
      settings,
      table: this.space?.distances ?? null,
      encoderDefault: this.space?.defaultThreshold ?? null,
      people: this.matcher?.people ?? 0,
      closestLookAlike: this.review.closestLookAlike?.distance ?? null,
    });
  }

  threshold(settings: Pick<Settings, 'threshold' | 'targetFar'>): number {
    return this.inForce(settings).alpha;
  }

  /** Probable duplicates as of the last review. */
  duplicates(): GalleryReview['duplicates'] {
    return this.review.duplicates;
  }

  /** Resolves once the review of the gallery as it is now has finished. */
  async reviewed(): Promise<void> {
    while (this.needsReview()) {
      this.scheduleReview();
      const run = this.reviewRun;
      if (!run) return;
      await run.catch(() => undefined);
    }
  }

  /** The threshold for `targetFar` with the curve and the review behind it (Settings, `engine.calibrate`). */
  async calibrate(settings: Pick<Settings, 'threshold' | 'targetFar'>): Promise<CalibrationResult> {
    this.syncWithDatabase();
    await this.reviewed();
    const t = this.thresholdNow(settings);
    const table = this.space?.distances ?? null;
    const people = Math.max(1, t.people);
    const curve: CalibrationPoint[] = table
      ? Array.from({ length: 161 }, (_, i) => {
          const threshold = 0.4 + i * 0.01;
          return {
            threshold: Math.round(threshold * 100) / 100,
            far: stationFarOf(farAtDistance(table, threshold), people),
            frr: frrAtDistance(table, threshold),
          };
        })
      : [];
    return {
      curve,
      alpha: t.alpha,
      targetFar: t.targetFar,
      source: t.source,
      people: t.people,
      perComparisonFar: t.perComparisonFar,
      tableAlpha: t.tableAlpha,
      floorAlpha: t.floorAlpha,
      expectedFar: t.expectedFar,
      expectedFrr: t.expectedFrr,
      extrapolated: t.extrapolated,
      duplicates: this.review.duplicates,
      closestLookAlike: this.review.closestLookAlike,
      table: table
        ? { measuredOn: table.measuredOn, impostorPairs: table.impostorPairs, genuinePairs: table.genuinePairs }
        : null,
      note: noteOf(t),
    };
  }

  /** `alpha` defaults to the threshold in force (pass it when the caller has just asked for it). */
  identify(embedding: Float32Array, settings: Settings): MatchDecision & { threshold: ThresholdInForce } {
    this.syncWithDatabase();
    const threshold = this.thresholdNow(settings);
    return { ...this.ready.identify(embedding, { alpha: threshold.alpha, margin: settings.margin }), threshold };
  }

  add(templateId: string, personId: string, embedding: Float32Array): void {
    this.ready.add(templateId, personId, embedding);
    this.ownChange();
  }

  /** The gallery's encoder, or null before the engine started. */
  get encoderId(): string | null {
    return this.space?.encoderId ?? null;
  }

  /** Templates were deleted one by one: the matcher loads them again (an admin action, not per frame). */
  templatesChanged(): void {
    if (this.space) this.load(this.space);
  }

  removePerson(personId: string): void {
    this.matcher?.removePerson(personId);
    this.ownChange();
  }

  /** A change made here, already in the matcher: the counter follows it, so it is not loaded again. */
  private ownChange(): void {
    // If another process wrote meanwhile, its templates are not in the matcher yet: load them all.
    if (this.space && this.source.changedElsewhere()) {
      this.load(this.space);
      return;
    }
    if (this.space) this.loadedAt = this.source.changeCounter();
    this.changed();
  }

  private changed(): void {
    this.version++;
    this.scheduleReview();
  }

  /** Starts a review of the gallery unless one is running; it restarts itself if the gallery changes meanwhile. */
  private scheduleReview(): void {
    if (this.reviewRun || !this.needsReview()) return;
    const run = (async () => {
      // Not on the caller's turn (a kiosk frame that found the gallery changed, an enrollment): from the next one.
      while (this.needsReview()) {
        const v = this.version;
        const matcher = this.matcher!;
        const pause = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(this.version === v)));
        if (!(await pause())) continue;
        const r = await reviewGallery(matcher, duplicateDistance(this.space!.distances), pause);
        if (r && this.version === v) {
          this.review = r;
          this.reviewedVersion = v;
          this.reviews++;
        }
      }
    })();
    this.reviewRun = run;
    void run
      .catch((e: unknown) => console.error('The gallery review failed; the last one stays in force:', e))
      .finally(() => {
        if (this.reviewRun === run) this.reviewRun = null;
      });
  }

  private needsReview(): boolean {
    return this.matcher !== null && this.space !== null && this.reviewedVersion !== this.version;
  }
}

function noteOf(t: ThresholdInForce): string {
  const a = t.alpha.toFixed(3);
  switch (t.source) {
    case 'administrator':
      return `The administrator fixed the threshold at ${a}.`;
    case 'encoder-default':
      return `This encoder ships no distance table: its default threshold ${a} is used.`;
    case 'station':
      return `Two people enrolled here look alike: alpha is tightened from the table's ${t.tableAlpha?.toFixed(3)} to ${a} (never below ${t.floorAlpha?.toFixed(3)}).`;
    case 'table':
      return `alpha ${a} is the encoder's measured distance at a false-accept rate of ${t.perComparisonFar.toExponential(1)} per comparison, which gives about ${t.targetFar} over the ${t.people} people enrolled here.${t.extrapolated ? ' The target is stricter than the table measured: its strictest row is used.' : ''}`;
  }
}
