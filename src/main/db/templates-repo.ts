// Face templates (embeddings), always stored encrypted with AAD `template:<id>`.
// Plaintext embeddings exist only in memory, in what `add` receives and `loadAll` returns.
// A template that cannot be read (damaged on disk, or of a newer format) is set aside, not deleted: marked
// `damaged_at`, audited once, left out of the gallery and reported until its person is enrolled again.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { chipAad, templateAad, thumbnailAad, type TemplateCipher } from '../security/template-cipher';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import { TEMPLATE_SOURCES, type Actor, type LoadedTemplate, type TemplateMeta, type TemplateSource } from './types';
import { actor as checkActor, optionalFiniteNumber, optionalText, requiredText } from './validate';

export const EMBEDDING_MAX_DIM = 4096;
/** A 224 px chip at JPEG quality 95 is a few tens of KB; far more is not a chip. */
export const CHIP_MAX_BYTES = 1024 * 1024;

export interface TemplateInput {
  personId: string;
  /** Encoder id; templates from different encoders are never compared. */
  modelId: string;
  embedding: Float32Array;
  quality?: number | null;
  source: TemplateSource;
  pose?: string | null;
  /** SHA-256 of the photo file the template came from; null for camera shots. */
  sourceRef?: string | null;
  /** The aligned face chip (engine/chip.ts), stored encrypted, so a later encoder can embed it again. */
  chip?: Uint8Array | null;
}

/** One person's templates of one encoder: how many, and how many keep their face chip. */
export interface EncoderCensusRow {
  personId: string;
  modelId: string;
  templates: number;
  withChip: number;
}

interface TemplateFullDbRow extends TemplateMetaDbRow {
  source_ref: string | null;
  chip: Buffer | null;
}

interface TemplateMetaDbRow {
  id: string;
  person_id: string;
  model_id: string;
  dim: number;
  quality: number | null;
  source: TemplateSource;
  pose: string | null;
  created_at: string;
  has_chip: number;
  damaged: number;
}

function toMeta(r: TemplateMetaDbRow): TemplateMeta {
  return {
    id: r.id,
    personId: r.person_id,
    modelId: r.model_id,
    dim: r.dim,
    quality: r.quality,
    source: r.source,
    pose: r.pose,
    createdAt: r.created_at,
    hasChip: r.has_chip === 1,
    damaged: r.damaged === 1,
  };
}

function checkEmbedding(embedding: unknown): Float32Array {
  if (!(embedding instanceof Float32Array) || embedding.length === 0 || embedding.length > EMBEDDING_MAX_DIM) {
    throw new AppError(
      'INVALID_INPUT',
      `A face template must be a non-empty Float32Array of at most ${EMBEDDING_MAX_DIM} values.`,
    );
  }
  for (const v of embedding) {
    if (!Number.isFinite(v))
      throw new AppError(
        'INVALID_INPUT',
        'The face template contains NaN or infinite values; the encoder output is broken. Capture the face again.',
      );
  }
  return embedding;
}

function checkChip(chip: unknown): Uint8Array | null {
  if (chip === undefined || chip === null) return null;
  if (!(chip instanceof Uint8Array) || chip.length === 0 || chip.length > CHIP_MAX_BYTES)
    throw new AppError(
      'INVALID_INPUT',
      `A face chip must be a non-empty Uint8Array of at most ${CHIP_MAX_BYTES / 1024 / 1024} MB.`,
    );
  return chip;
}

// Why a stored encrypted value cannot be read, judged from its bytes (template-cipher.ts's layout:
// version byte 1 | 12-byte IV | 16-byte tag | ciphertext). Only a well-formed value whose authentication
// fails can mean a wrong key; a zeroed or cut-short one is damage, and says so instead of "update".

/** The cipher's current format version and header length (template-cipher.ts). */
const FORMAT_VERSION = 1;
const HEADER_BYTES = 1 + 12 + 16;

export type UnreadableReason = 'damaged' | 'newer-format';

export function unreadableReason(blob: Uint8Array): UnreadableReason {
  return blob.length >= HEADER_BYTES && blob[0]! > FORMAT_VERSION ? 'newer-format' : 'damaged';
}

/** True when the value has the layout of an encrypted value of this version (it may still fail to open). */
export function wellFormedCiphertext(blob: Uint8Array): boolean {
  return blob.length >= HEADER_BYTES && blob[0] === FORMAT_VERSION;
}

const META_COLUMNS =
  'id, person_id, model_id, dim, quality, source, pose, created_at, chip IS NOT NULL AS has_chip, damaged_at IS NOT NULL AS damaged';

export class TemplatesRepo {
  readonly #db: Database.Database;
  readonly #cipher: TemplateCipher;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  readonly #personIsLive: Database.Statement<[string], { id: string }>;
  readonly #insert: Database.Statement<
    [string, string, string, number, Buffer, number | null, string, string | null, string | null, string, Buffer | null]
  >;
  readonly #census: Database.Statement<[], { person_id: string; model_id: string; n: number; chips: number }>;
  readonly #othersOf: Database.Statement<[string, string], { id: string; chip: Buffer | null }>;
  readonly #getFull: Database.Statement<[string, string], TemplateFullDbRow>;
  readonly #getChip: Database.Statement<[string], { chip: Buffer | null }>;
  readonly #sourceRefs: Database.Statement<[string], { source_ref: string }>;
  readonly #getMeta: Database.Statement<[string], TemplateMetaDbRow>;
  readonly #listMeta: Database.Statement<[string], TemplateMetaDbRow>;
  readonly #loadAll: Database.Statement<[string], { id: string; person_id: string; dim: number; embedding: Buffer }>;
  readonly #changeCounter: Database.Statement<[], { version: number }>;
  readonly #markDamaged: Database.Statement<[string, string]>;
  readonly #deleteDamagedOf: Database.Statement<[string]>;
  readonly #countDamaged: Database.Statement<[], { n: number }>;
  readonly #deleteForPerson: Database.Statement<[string]>;
  readonly #delete: Database.Statement<[string], { person_id: string }>;
  readonly #countByPerson: Database.Statement<[], { person_id: string; n: number }>;

  constructor(db: Database.Database, cipher: TemplateCipher, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#cipher = cipher;
    this.#audit = audit;
    this.#clock = clock;
    this.#personIsLive = db.prepare('SELECT id FROM people WHERE id = ? AND deleted_at IS NULL');
    this.#insert = db.prepare(
      'INSERT INTO face_templates (id, person_id, model_id, dim, embedding, quality, source, pose, source_ref, created_at, chip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#census = db.prepare(`
      SELECT t.person_id, t.model_id, count(*) AS n, count(t.chip) AS chips FROM face_templates t
      JOIN people p ON p.id = t.person_id AND p.deleted_at IS NULL
      WHERE t.damaged_at IS NULL
      GROUP BY t.person_id, t.model_id ORDER BY t.person_id, t.model_id`);
    this.#othersOf = db.prepare(
      'SELECT id, chip FROM face_templates WHERE person_id = ? AND model_id <> ? AND damaged_at IS NULL ORDER BY created_at, rowid',
    );
    this.#getFull = db.prepare(
      `SELECT ${META_COLUMNS}, source_ref, chip FROM face_templates WHERE id = ? AND person_id = ?`,
    );
    this.#getChip = db.prepare('SELECT chip FROM face_templates WHERE id = ?');
    this.#sourceRefs = db.prepare(
      'SELECT source_ref FROM face_templates WHERE person_id = ? AND source_ref IS NOT NULL',
    );
    this.#getMeta = db.prepare(`SELECT ${META_COLUMNS} FROM face_templates WHERE id = ?`);
    this.#listMeta = db.prepare(
      `SELECT ${META_COLUMNS} FROM face_templates WHERE person_id = ? ORDER BY created_at, rowid`,
    );
    this.#loadAll = db.prepare(`
      SELECT t.id, t.person_id, t.dim, t.embedding FROM face_templates t
      JOIN people p ON p.id = t.person_id AND p.deleted_at IS NULL
      WHERE t.model_id = ? AND t.damaged_at IS NULL ORDER BY t.person_id, t.created_at, t.rowid`);
    this.#changeCounter = db.prepare('SELECT version FROM gallery_version WHERE id = 1');
    this.#markDamaged = db.prepare('UPDATE face_templates SET damaged_at = ? WHERE id = ? AND damaged_at IS NULL');
    this.#deleteDamagedOf = db.prepare('DELETE FROM face_templates WHERE person_id = ? AND damaged_at IS NOT NULL');
    this.#countDamaged = db.prepare(`
      SELECT count(*) AS n FROM face_templates t
      JOIN people p ON p.id = t.person_id AND p.deleted_at IS NULL
      WHERE t.damaged_at IS NOT NULL`);
    this.#deleteForPerson = db.prepare('DELETE FROM face_templates WHERE person_id = ?');
    this.#delete = db.prepare('DELETE FROM face_templates WHERE id = ? RETURNING person_id');
    this.#countByPerson = db.prepare(`
      SELECT t.person_id, count(*) AS n FROM face_templates t
      JOIN people p ON p.id = t.person_id AND p.deleted_at IS NULL
      GROUP BY t.person_id`);
  }

  add(input: TemplateInput, actor?: Actor): TemplateMeta {
    const who = checkActor(actor);
    return this.#db.transaction(() => this.#addOne(input, who)).immediate();
  }

  /** All or nothing: one bad template leaves none of the list stored. */
  addMany(inputs: readonly TemplateInput[], actor?: Actor): TemplateMeta[] {
    const who = checkActor(actor);
    return this.#db.transaction(() => inputs.map((input) => this.#addOne(input, who))).immediate();
  }

  /** Source files (SHA-256) already enrolled for this person. */
  sourceRefs(personId: string): Set<string> {
    return new Set(this.#sourceRefs.all(personId).map((r) => r.source_ref));
  }

  /** One template's metadata, or undefined when there is none with that id. */
  getMeta(id: string): TemplateMeta | undefined {
    const row = this.#getMeta.get(id);
    return row ? toMeta(row) : undefined;
  }

  listMeta(personId: string): TemplateMeta[] {
    return this.#listMeta.all(personId).map(toMeta);
  }

  /**
   * Grows on every change of any template, and when a person is deleted (triggers of migration 004), in
   * every process, without decrypting anything: lets a gallery tell "another process enrolled someone"
   * from other writes. A count, unlike rowids, is never reused.
   */
  changeCounter(): number {
    return this.#changeCounter.get()!.version;
  }

  /**
   * Decrypted templates of one encoder for every live person: the matcher's gallery. One that cannot be
   * read is left out and set aside (unreadable()), so one damaged row cannot stop recognition for all.
   */
  loadAll(modelId: string): LoadedTemplate[] {
    const out: LoadedTemplate[] = [];
    const unreadable: Array<{ id: string; personId: string; reason: UnreadableReason }> = [];
    let keyError: unknown = null;
    for (const r of this.#loadAll.all(modelId)) {
      let embedding: Float32Array | null = null;
      try {
        embedding = this.#cipher.decryptEmbedding(r.embedding, templateAad(r.id));
      } catch (e) {
        if (wellFormedCiphertext(r.embedding)) keyError ??= e;
      }
      if (embedding && embedding.length === r.dim) out.push({ templateId: r.id, personId: r.person_id, embedding });
      else
        unreadable.push({
          id: r.id,
          personId: r.person_id,
          reason: embedding ? 'damaged' : unreadableReason(r.embedding),
        });
    }
    // A wrong key fails every value alike: that is not damage, and setting them all aside would hide it.
    if (keyError && out.length === 0 && !this.#keyOpensOther(new Set(unreadable.map((u) => u.id)))) throw keyError;
    for (const u of unreadable) this.#setAside(u.id, u.personId, u.reason);
    return out;
  }

  /** True when some other stored value (a chip, another template, a thumbnail) opens with this key. */
  #keyOpensOther(skip: ReadonlySet<string>): boolean {
    const samples = this.#db
      .prepare(
        `SELECT 'chip' AS kind, id, chip AS blob FROM face_templates WHERE chip IS NOT NULL AND damaged_at IS NULL
         UNION ALL SELECT 'template', id, embedding FROM face_templates WHERE damaged_at IS NULL
         UNION ALL SELECT 'thumbnail', id, thumbnail FROM people WHERE thumbnail IS NOT NULL AND thumbnail_damaged_at IS NULL
         LIMIT 50`,
      )
      .all() as Array<{ kind: 'chip' | 'template' | 'thumbnail'; id: string; blob: Buffer }>;
    const aadOf = { chip: chipAad, template: templateAad, thumbnail: thumbnailAad };
    return samples.some((s) => {
      if ((s.kind === 'template' && skip.has(s.id)) || !wellFormedCiphertext(s.blob)) return false;
      try {
        this.#cipher.decryptBytes(s.blob, aadOf[s.kind](s.id));
        return true;
      } catch {
        return false;
      }
    });
  }

  /** Live templates set aside because they cannot be read. */
  unreadable(): number {
    return this.#countDamaged.get()!.n;
  }

  /** Marks the template set aside and audits it, once: a later load, or another process, finds it marked. */
  #setAside(id: string, personId: string, reason: UnreadableReason): void {
    try {
      this.#db
        .transaction(() => {
          if (this.#markDamaged.run(isoNow(this.#clock), id).changes === 0) return;
          this.#audit.append({
            actor: 'system',
            action: 'template.unreadable',
            subjectId: personId,
            details: { templateId: id, reason, message: unreadableTemplateMessage(reason) },
          });
        })
        .immediate();
    } catch {
      // A read-only or busy database: the template is still left out of this load, and marked at the next.
    }
  }

  /** Per live person and encoder, how many templates there are and how many keep a chip; decrypts nothing. */
  encoderCensus(): EncoderCensusRow[] {
    return this.#census
      .all()
      .map((r) => ({ personId: r.person_id, modelId: r.model_id, templates: r.n, withChip: r.chips }));
  }

  /** The person's templates of encoders other than `modelId`, with their decrypted chips (null: none kept). */
  othersWithChips(
    personId: string,
    modelId: string,
  ): Array<{ id: string; chip: Uint8Array | null; unreadable?: true }> {
    return this.#othersOf.all(personId, modelId).map((r) => {
      if (!r.chip) return { id: r.id, chip: null };
      try {
        return { id: r.id, chip: this.#cipher.decryptBytes(r.chip, chipAad(r.id)) };
      } catch {
        // A damaged chip stops neither the start nor the other people's move: its template stays as it is.
        return { id: r.id, chip: null, unreadable: true as const };
      }
    });
  }

  /** A template's decrypted face chip; null when it has none (enrolled before chips were kept) or is gone. */
  chip(templateId: string): Uint8Array | null {
    const row = this.#getChip.get(templateId);
    return row?.chip ? this.#cipher.decryptBytes(row.chip, chipAad(templateId)) : null;
  }

  /**
   * Moves a person's templates to the encoder `modelId`: each of `replaced` becomes a new template of its
   * new embedding (from its chip) with the same chip, quality, source, pose, source file and creation
   * time, and the old one is deleted; `dropIds` (older templates without a chip, of a person who keeps
   * others) are deleted. One transaction and one audit entry; a template deleted meanwhile is skipped.
   */
  reembed(
    personId: string,
    modelId: string,
    replaced: ReadonlyArray<{ templateId: string; embedding: Float32Array }>,
    dropIds: readonly string[],
    actor?: Actor,
  ): { added: TemplateMeta[]; dropped: number } {
    const who = checkActor(actor);
    const toModel = requiredText(modelId, 'Model id', 200);
    return this.#db
      .transaction(() => {
        const from = new Set<string>();
        const added: TemplateMeta[] = [];
        let dropped = 0;
        for (const { templateId, embedding } of replaced) {
          const old = this.#getFull.get(templateId, personId);
          if (!old || !old.chip) continue;
          const chip = this.#cipher.decryptBytes(old.chip, chipAad(old.id));
          const checked = checkEmbedding(embedding);
          // First the old row: the new one takes over its source file, which is unique per person.
          this.#delete.run(old.id);
          from.add(old.model_id);
          const id = randomUUID();
          this.#insert.run(
            id,
            personId,
            toModel,
            checked.length,
            this.#cipher.encryptEmbedding(checked, templateAad(id)),
            old.quality,
            old.source,
            old.pose,
            old.source_ref,
            old.created_at,
            this.#cipher.encryptBytes(chip, chipAad(id)),
          );
          added.push(toMeta(this.#getMeta.get(id)!));
        }
        for (const id of dropIds) {
          const old = this.#getFull.get(id, personId);
          if (!old || old.model_id === toModel) continue;
          this.#delete.run(id);
          from.add(old.model_id);
          dropped++;
        }
        if (added.length + dropped > 0)
          this.#audit.append({
            actor: who,
            action: 'template.reembed',
            subjectId: personId,
            details: { toModelId: toModel, fromModelIds: [...from].sort(), count: added.length, dropped },
          });
        return { added, dropped };
      })
      .immediate();
  }

  /** Deletes all templates of a person; returns how many were removed. */
  deleteForPerson(personId: string, actor?: Actor): number {
    const who = checkActor(actor);
    return this.#db
      .transaction(() => {
        const count = this.#deleteForPerson.run(personId).changes;
        if (count > 0)
          this.#audit.append({ actor: who, action: 'template.delete', subjectId: personId, details: { count } });
        return count;
      })
      .immediate();
  }

  /** Deletes one template; false if there was none with that id. */
  delete(id: string, actor?: Actor): boolean {
    const who = checkActor(actor);
    return this.#db
      .transaction(() => {
        const row = this.#delete.get(id);
        if (!row) return false;
        this.#audit.append({
          actor: who,
          action: 'template.delete',
          subjectId: row.person_id,
          details: { templateId: id, count: 1 },
        });
        return true;
      })
      .immediate();
  }

  /** Template count per live person (people without templates are absent). */
  countByPerson(): Map<string, number> {
    return new Map(this.#countByPerson.all().map((r) => [r.person_id, r.n]));
  }

  #addOne(input: TemplateInput, who: Actor): TemplateMeta {
    const embedding = checkEmbedding(input.embedding);
    const modelId = requiredText(input.modelId, 'Model id', 200);
    if (!TEMPLATE_SOURCES.includes(input.source)) {
      throw new AppError(
        'INVALID_INPUT',
        `"${String(input.source)}" is not a template source; use one of ${TEMPLATE_SOURCES.join(', ')}.`,
      );
    }
    const quality = optionalFiniteNumber(input.quality, 'Template quality');
    const pose = optionalText(input.pose, 'Pose', 100);
    if (!this.#personIsLive.get(input.personId)) {
      throw new AppError(
        'NOT_FOUND',
        `No person with id ${input.personId} exists (they may have been deleted), so the face cannot be added. Refresh and pick the person again.`,
        { id: input.personId },
      );
    }
    const id = randomUUID();
    const blob = this.#cipher.encryptEmbedding(embedding, templateAad(id));
    const chip = checkChip(input.chip);
    // Enrolled again: the templates set aside as unreadable have been replaced.
    const replaced = this.#deleteDamagedOf.run(input.personId).changes;
    if (replaced > 0)
      this.#audit.append({
        actor: who,
        action: 'template.delete',
        subjectId: input.personId,
        details: { count: replaced, unreadable: true },
      });
    this.#insert.run(
      id,
      input.personId,
      modelId,
      embedding.length,
      blob,
      quality,
      input.source,
      pose,
      optionalText(input.sourceRef, 'source reference', 128),
      isoNow(this.#clock),
      chip ? this.#cipher.encryptBytes(chip, chipAad(id)) : null,
    );
    this.#audit.append({
      actor: who,
      action: 'template.add',
      subjectId: input.personId,
      details: { templateId: id, modelId, dim: embedding.length, source: input.source, chip: chip !== null },
    });
    return toMeta(this.#getMeta.get(id)!);
  }
}

function unreadableTemplateMessage(reason: UnreadableReason): string {
  return reason === 'newer-format'
    ? 'This face template was written by a newer version of Presence: update Presence, or enroll the person again.'
    : 'This face template is damaged and cannot be read: enroll the person again.';
}
