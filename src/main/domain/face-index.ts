// The in-memory gallery of the current encoder's templates, kept in step with the database:
// loaded once when the engine says which embedding space it produces, then updated on every
// enrollment and deletion, so recognition never reads SQLite on the hot path.
import { AppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import type { Store } from '../db';
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

export class FaceIndex {
  private matcher: Matcher | null = null;
  private space: EncoderSpace | null = null;

  constructor(private readonly store: Store) {}

  /** (Re)loads every template of this encoder; cheap to call again with the same space. */
  use(space: EncoderSpace): void {
    if (this.space && this.space.encoderId === space.encoderId && this.matcher) return;
    const matcher = new Matcher(space.embeddingSize);
    matcher.load(this.store.templates.loadAll(space.encoderId));
    this.matcher = matcher;
    this.space = space;
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

  /** The threshold in force: the administrator's (from calibration), else the encoder's measured default. */
  threshold(settings: Settings): number {
    return settings.threshold ?? this.space?.defaultThreshold ?? FALLBACK_THRESHOLD;
  }

  identify(embedding: Float32Array, settings: Settings): MatchDecision {
    return this.ready.identify(embedding, { alpha: this.threshold(settings), margin: settings.margin });
  }

  add(templateId: string, personId: string, embedding: Float32Array): void {
    this.ready.add(templateId, personId, embedding);
  }

  removePerson(personId: string): void {
    this.matcher?.removePerson(personId);
  }

  /** Templates grouped by person, for calibration. */
  templatesByPerson(): Map<string, Float32Array[]> {
    const groups = new Map<string, Float32Array[]>();
    for (const row of this.store.templates.loadAll(this.encoder.encoderId)) {
      const list = groups.get(row.personId) ?? [];
      list.push(row.embedding);
      groups.set(row.personId, list);
    }
    return groups;
  }
}
