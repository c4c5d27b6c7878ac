// People as the UI and CLI see them; deletion also drops the person's templates from the live index.
import { AppError } from '../../shared/errors';
import { nameKey } from '../../shared/limits';
import type { Person, TemplateSummary } from '../../shared/types';
import type { Actor, Store } from '../db';
import { decodeChip } from '../engine';
import type { FaceIndex } from './face-index';

export class PeopleService {
  constructor(
    private readonly store: Store,
    private readonly index: FaceIndex,
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

  /** Erases the person's templates and thumbnail and leaves a tombstone; attendance history stays. */
  delete(id: string, actor: Actor): { id: string; deleted: true } {
    this.get(id);
    this.store.people.softDelete(id, actor);
    this.index.removePerson(id);
    return { id, deleted: true };
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
