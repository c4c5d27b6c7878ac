// People as the UI and CLI see them: their records, consent history, erasure and withdrawal (which also
// drop the person's templates from the live index), and the subject access export.
import { AppError } from '../../shared/errors';
import { nameKey } from '../../shared/limits';
import type { Settings } from '../../shared/settings';
import type {
  ConsentEvent,
  ConsentMethod,
  ConsentWithdrawal,
  ErasureResult,
  ExportFile,
  Person,
  TemplateSummary,
} from '../../shared/types';
import type { Actor, Store } from '../db';
import { subjectAccessArchive } from './subject-export';
import { decodeChip } from '../engine';
import type { FaceIndex } from './face-index';

export class PeopleService {
  constructor(
    private readonly store: Store,
    private readonly index: FaceIndex,
    private readonly settings: () => Settings,
    private readonly now: () => number = Date.now,
  ) {}

  /** With each person's probable duplicates (the gallery review's), so the administrator sees them. */
  list(query?: string): Person[] {
    return this.store.people.list({ query }).map((person) => this.withDuplicates(person));
  }

  get(id: string): Person {
    const row = this.store.people.get(id);
    if (!row) throw new AppError('NOT_FOUND', 'This person does not exist or was deleted.');
    return this.withDuplicates(row);
  }

  private withDuplicates(person: Person): Person {
    const found = this.index.duplicates().flatMap((d) => {
      const other = d.personId === person.id ? d.otherId : d.otherId === person.id ? d.personId : null;
      const row = other ? this.store.people.get(other) : undefined;
      return row ? [{ id: row.id, name: row.name, distance: d.distance }] : [];
    });
    return found.length ? { ...person, probableDuplicates: found } : person;
  }

  /** Finds a person by name (the same name by nameKey), for imports that must not create twins. */
  findByName(name: string): Person | undefined {
    const first = this.namesakes(name)[0];
    return first ? this.withDuplicates(first) : undefined;
  }

  /**
   * Everyone else whose name is the same name (shared/limits.ts nameKey): two John Smiths may both be
   * enrolled, but the administrator is told, so that their external IDs or notes tell them apart.
   */
  namesakes(name: string, exceptId?: string): Person[] {
    const key = nameKey(name);
    return this.store.people.list({}).filter((p) => p.id !== exceptId && nameKey(p.name) === key);
  }

  create(input: { name: string; externalId?: string | null; notes?: string | null }, actor: Actor): Person {
    return this.store.people.create(input, actor);
  }

  update(
    id: string,
    patch: { name?: string; externalId?: string | null; notes?: string | null },
    actor: Actor,
  ): Person {
    this.get(id);
    return this.store.people.update(id, patch, actor);
  }

  /**
   * Erases the person (GDPR Art. 17) once `confirmName` repeats their name (compared as nameKey: case and
   * spacing forgiven); attendance is kept under a random label or deleted, as Settings say. The file is
   * compacted afterwards so the erased bytes leave the disk as well as the tables.
   */
  erase(id: string, confirmName: string, actor: Actor): ErasureResult {
    const person = this.get(id);
    if (nameKey(confirmName) !== nameKey(person.name))
      throw new AppError(
        'INVALID_INPUT',
        'The name typed does not match the name of the person to erase. Type their name exactly as it is shown to confirm.',
        { field: 'confirmName' },
      );
    const attendance = this.settings().erasedAttendance;
    const erasure = this.store.people.erase(id, { attendance }, actor);
    this.index.removePerson(id);
    this.store.compact();
    return {
      id,
      erased: true,
      label: erasure.label,
      attendance: attendance === 'keep' ? 'kept' : 'deleted',
      attendanceRows: erasure.attendanceRows,
    };
  }

  /** The person's consent events, oldest first. */
  consentHistory(id: string): ConsentEvent[] {
    this.get(id);
    return this.store.consent.history(id);
  }

  /**
   * Consent withdrawn (GDPR Art. 7(3)): the withdrawal is recorded and the face data erased in one
   * transaction, and the person leaves the live gallery at once. The person and their attendance stay;
   * they can be enrolled again with a new consent.
   */
  withdrawConsent(id: string, recordedBy: string, method: ConsentMethod, actor: Actor): ConsentWithdrawal {
    this.get(id);
    const { event, erased } = this.store.transaction(() => {
      const event = this.store.consent.record(id, { kind: 'withdrawn', recordedBy, method, textVersion: null }, actor);
      return { event, erased: this.store.people.eraseFaceData(id, 'consent_withdrawn', actor) };
    });
    this.index.removePerson(id);
    this.store.compact();
    return { event, templatesErased: erased.templates, thumbnailErased: erased.thumbnail };
  }

  /** Subject access (GDPR Art. 15): everything stored about the person, as one ZIP they can read. */
  export(id: string, actor: Actor): ExportFile {
    const person = this.get(id);
    const file = subjectAccessArchive(this.store, person, this.now());
    this.store.audit.append({ actor, action: 'person.export', subjectId: id });
    return file;
  }

  /** The person's templates, newest last; which of them recognition uses now (the gallery's encoder). */
  templates(id: string): TemplateSummary[] {
    this.get(id);
    const inUse = this.index.encoderId;
    return this.store.templates.listMeta(id).map((m) => ({
      id: m.id,
      createdAt: m.createdAt,
      quality: m.quality,
      source: m.source,
      pose: m.pose,
      encoderId: m.modelId,
      inUse: inUse !== null && m.modelId === inUse && !m.damaged,
      hasChip: m.hasChip,
      damaged: m.damaged,
    }));
  }

  /** The JPEG of one template's aligned face chip (engine/chip.ts), for the template list; null when none. */
  templateChip(templateId: string): Uint8Array | null {
    this.liveTemplate(templateId);
    const chip = this.store.templates.chip(templateId);
    return chip ? decodeChip(chip).jpeg : null;
  }

  /** Deletes one template (audited); the live gallery loads again without it. */
  deleteTemplate(templateId: string, actor: Actor): { templateId: string; deleted: true } {
    this.liveTemplate(templateId);
    this.store.templates.delete(templateId, actor);
    this.index.templatesChanged();
    return { templateId, deleted: true };
  }

  private liveTemplate(templateId: string): void {
    const meta = this.store.templates.getMeta(templateId);
    if (!meta || !this.store.people.get(meta.personId))
      throw new AppError('NOT_FOUND', 'That face template does not exist any more. Open the list again.');
  }

  thumbnail(id: string): Uint8Array | null {
    this.get(id);
    return this.store.people.getThumbnail(id);
  }
}
