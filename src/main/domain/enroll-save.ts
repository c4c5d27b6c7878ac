// Saving templates: the person (created with their first templates when new), their consent, the
// encrypted templates and thumbnail, in one transaction; then the in-memory gallery. Both ways in (camera
// shots and photos) save through here, and ask it whose face a new one already is.
import { AppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import type { EnrollCommitResult, EnrollPose, Person } from '../../shared/types';
import type { Actor, Store, TemplateSource } from '../db';
import type { FaceIndex } from './face-index';

/**
 * The person's consent, as the operator recorded it. `textVersion` is the version of the consent text
 * the person was shown (the screens send the one they displayed); the CLI, which shows no text, omits it
 * and records the version in force. Either way, consent to an older text is refused (ConsentRepo.record).
 */
export interface Consent {
  given: true;
  by: string;
  textVersion?: number;
}

/** How a consent was recorded, from how the templates were made. */
const CONSENT_METHOD = { camera: 'screen', import: 'import', cli: 'cli' } as const;

export type DuplicateOf = { personId: string; name: string; distance: number } | null;

/**
 * Whose templates these are: an existing person, or a new person created in the same transaction as
 * their first templates, so an abandoned or failed enrollment never leaves an empty person behind.
 */
export type EnrollTarget =
  { personId: string } | { newPerson: { name: string; externalId?: string | null; notes?: string | null } };

/** The target named by a channel input that carries either `personId` or `newPerson` (the contract checks one). */
export function enrollTargetOf(input: { personId?: string; newPerson?: EnrollNewPerson }): EnrollTarget {
  if (input.personId !== undefined) return { personId: input.personId };
  if (input.newPerson !== undefined) return { newPerson: input.newPerson };
  throw new AppError('INVALID_INPUT', 'Say whose face this is: an existing person or a new one.');
}
type EnrollNewPerson = Extract<EnrollTarget, { newPerson: unknown }>['newPerson'];
export const existingId = (target: EnrollTarget): string | undefined =>
  'personId' in target ? target.personId : undefined;

/** A face to save as a template. */
export interface NewTemplate {
  embedding: Float32Array;
  /** The space the embedding was made in (AnalyzeResult.encoderId): it must be the gallery's. */
  encoderId: string;
  quality: number;
  pose: EnrollPose;
  chip: Uint8Array | null;
  /** The photo file's hash (photo import), so the same file is not enrolled twice for a person. */
  sourceRef?: string;
}

export interface TemplatesToSave {
  target: EnrollTarget;
  faces: readonly NewTemplate[];
  /** How they were made: 'camera', 'import' (the screens) or 'cli'. */
  source: TemplateSource;
  consent: Consent;
  /** The person's thumbnail from this enrollment (the straight shot's), or null to keep theirs. */
  thumbnail: Uint8Array | null;
  actor: Actor;
  /** Re-enrollment that replaces: the person's earlier templates go, in the same transaction. */
  replaceExisting?: boolean;
}

export class TemplateWriter {
  constructor(
    private readonly deps: { index: FaceIndex; store: Store; settings: () => Settings },
    private readonly now: () => number,
  ) {}

  save({
    target,
    faces,
    source,
    consent,
    thumbnail,
    actor,
    replaceExisting = false,
  }: TemplatesToSave): EnrollCommitResult {
    const { store, index } = this.deps;
    const encoder = index.encoder;
    // A face held while the face model changed (Settings > Face model) is in the old space: saved as it is
    // it would be a template no face of its person ever matches again.
    if (faces.some((f) => f.encoderId !== encoder.encoderId))
      throw new AppError(
        'CONFLICT',
        'The face model changed while these faces were waiting to be saved: take or add the photos again.',
      );
    const existing = existingId(target);
    if (existing !== undefined) this.requirePerson(existing);
    const { personId, metas, replaced } = store.transaction(() => {
      const personId = existing ?? store.people.create((target as { newPerson: EnrollNewPerson }).newPerson, actor).id;
      // Each enrollment is a consent event of its own: the history shows every time consent was given.
      store.consent.record(
        personId,
        {
          kind: 'given',
          recordedBy: consent.by,
          method: CONSENT_METHOD[source],
          textVersion: this.textVersion(consent),
        },
        actor,
      );
      const replaced = replaceExisting && existing !== undefined ? store.templates.deleteForPerson(personId, actor) : 0;
      const added = store.templates.addMany(
        faces.map((f) => ({
          personId,
          modelId: encoder.encoderId,
          embedding: f.embedding,
          quality: f.quality,
          source,
          pose: f.pose,
          sourceRef: f.sourceRef ?? null,
          chip: f.chip,
        })),
        actor,
      );
      if (thumbnail) store.people.setThumbnail(personId, thumbnail, actor);
      return { personId, metas: added, replaced };
    });
    // Only after the transaction committed: the index must never hold what the database does not.
    if (replaced > 0) index.removePerson(personId);
    metas.forEach((meta, i) => index.add(meta.id, personId, faces[i]!.embedding));
    return { person: this.requirePerson(personId), added: metas.length, replaced };
  }

  /** Refuses, before any photo is looked at, a consent given to a consent text that is no longer in force. */
  checkConsent(consent: Consent): void {
    const inForce = this.deps.store.consent.textInForce().version;
    if (this.textVersion(consent) !== inForce)
      throw new AppError(
        'CONSENT_REQUIRED',
        `The consent text was changed (version ${inForce} is in force now, the person was shown version ` +
          `${consent.textVersion}): show them the current text and record their consent again.`,
        { textVersion: inForce },
      );
  }

  private textVersion(consent: Consent): number {
    return consent.textVersion ?? this.deps.store.consent.textInForce().version;
  }

  /** The person exists, or the new person's details could be saved as they are. */
  checkTarget(target: EnrollTarget): void {
    if ('personId' in target) this.requirePerson(target.personId);
    else this.deps.store.people.checkNew(target.newPerson);
  }

  requirePerson(personId: string): Person {
    const row = this.deps.store.people.get(personId);
    if (!row) throw new AppError('NOT_FOUND', 'This person does not exist or was deleted.');
    return row;
  }

  /** The enrolled person this face already matches, when that is someone other than `personId`. */
  duplicateOf(embedding: Float32Array, personId?: string): DuplicateOf {
    const decision = this.deps.index.identify(embedding, this.deps.settings());
    if (!decision.accepted || !decision.personId || decision.personId === personId) return null;
    const other = this.deps.store.people.get(decision.personId);
    return other ? { personId: other.id, name: other.name, distance: decision.distance } : null;
  }
}
