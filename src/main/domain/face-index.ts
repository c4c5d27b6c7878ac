// The in-memory gallery of the current encoder's templates, kept in step with the database:
// loaded once when the engine says which embedding space it produces, then updated on every
// enrollment and deletion, so recognition never reads SQLite on the hot path. Another process writing
// to the same file (the CLI importing while the kiosk runs) makes it load again.
import { AppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import type { Store } from '../db';
import type { CalibrationResult } from '../../shared/types';
import { calibrate } from './calibration';
import { Matcher, type MatchDecision } from './matcher';

/** Used only when the engine reports no measured threshold of its own. */
const FALLBACK_THRESHOLD = 0.9;

export interface EncoderSpace {
  encoderId: string;
  embeddingSize: number;
  defaultThreshold: number | null;
}

/** The embedding space an engine reports once its models are loaded; null before that. */
export function encoderSpaceOf(status: {
  encoderId: string | null;
  embeddingSize: number | null;
  defaultThreshold: number | null;
}): EncoderSpace | null {
  if (!status.encoderId || !status.embeddingSize) return null;
  return {
    encoderId: status.encoderId,
    embeddingSize: status.embeddingSize,
    defaultThreshold: status.defaultThreshold,
  };
}

/** Enough pairs to place alpha for FAR 1e-3 and below, few enough to recalibrate after every enrollment. */
const AUTO_CALIBRATION_MAX_PAIRS = 50_000;

export class FaceIndex {
  private matcher: Matcher | null = null;
  private space: EncoderSpace | null = null;
  /** Bumped on every change of the gallery, so a calibration knows when it is out of date. */
  private version = 0;
  private calibrated: { version: number; targetFar: number; result: CalibrationResult } | null = null;

  constructor(private readonly store: Store) {}

  /** (Re)loads every template of this encoder; cheap to call again with the same space. */
  use(space: EncoderSpace): void {
    if (this.space && this.space.encoderId === space.encoderId && this.matcher) return;
    this.load(space);
  }

  /** The gallery's templates as last loaded or changed here (TemplatesRepo.fingerprint). */
  private fingerprint = '';

  private load(space: EncoderSpace): void {
    const matcher = new Matcher(space.embeddingSize);
    matcher.load(this.store.templates.loadAll(space.encoderId));
    this.matcher = matcher;
    this.space = space;
    this.fingerprint = this.store.templates.fingerprint(space.encoderId);
    this.version++;
  }

  /**
   * Loads again when another process changed the templates (this process's own changes are applied as
   * they happen). Another process's check-ins or audit entries only cost the fingerprint query.
   */
  private syncWithDatabase(): void {
    if (!this.space || !this.store.changedElsewhere('gallery')) return;
    if (this.store.templates.fingerprint(this.space.encoderId) !== this.fingerprint) this.load(this.space);
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
   * The threshold in force: the administrator's, when set; otherwise alpha calibrated on the people
   * enrolled here for the target false-accept rate, never looser than the encoder's measured default
   * (with fewer than two people, that default). A look-alike pair enrolled at this station thus tightens
   * the threshold at once, instead of waiting for someone to open the calibration view.
   */
  threshold(settings: Settings): number {
    // calibrate() and identify() bring the gallery up to date; an administrator's value needs no gallery.
    return settings.threshold ?? this.calibrate(settings.targetFar).alpha;
  }

  /** FAR/FRR of the enrolled people and the alpha for `targetFar`; cached until the gallery changes. */
  calibrate(targetFar: number): CalibrationResult {
    this.syncWithDatabase();
    const cached = this.calibrated;
    if (cached && cached.version === this.version && cached.targetFar === targetFar) return cached.result;
    const defaultAlpha = this.space?.defaultThreshold ?? FALLBACK_THRESHOLD;
    const people = this.space
      ? [...this.templatesByPerson()].map(([personId, embeddings]) => ({ personId, embeddings }))
      : [];
    const result = calibrate(people, { targetFar, defaultAlpha, maxPairs: AUTO_CALIBRATION_MAX_PAIRS });
    this.calibrated = { version: this.version, targetFar, result };
    return result;
  }

  /** `alpha` defaults to the threshold in force (pass it when the caller has just asked for it). */
  identify(embedding: Float32Array, settings: Settings, alpha = this.threshold(settings)): MatchDecision {
    this.syncWithDatabase();
    return this.ready.identify(embedding, { alpha, margin: settings.margin });
  }

  add(templateId: string, personId: string, embedding: Float32Array): void {
    this.ready.add(templateId, personId, embedding);
    this.ownChange();
  }

  removePerson(personId: string): void {
    this.matcher?.removePerson(personId);
    this.ownChange();
  }

  /** A change made here, already in the matcher: the fingerprint follows it, so it is not loaded again. */
  private ownChange(): void {
    // If another process wrote meanwhile, its templates are not in the matcher yet: load them all.
    if (this.space && this.store.changedElsewhere('gallery')) {
      this.load(this.space);
      return;
    }
    if (this.space) this.fingerprint = this.store.templates.fingerprint(this.space.encoderId);
    this.version++;
  }

  /** Templates grouped by person, for calibration. */
  private templatesByPerson(): Map<string, Float32Array[]> {
    const groups = new Map<string, Float32Array[]>();
    for (const row of this.store.templates.loadAll(this.encoder.encoderId)) {
      const list = groups.get(row.personId) ?? [];
      list.push(row.embedding);
      groups.set(row.personId, list);
    }
    return groups;
  }
}
