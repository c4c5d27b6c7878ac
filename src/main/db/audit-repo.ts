// The append-only audit log. Other repositories call `append` inside their own transaction so the
// change and its audit entry commit or roll back together.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { entryHash, findHead, GENESIS, verifyChain, type AuditChainStatus, type ChainPosition } from './audit-chain';
import { isoNow, systemClock, type Clock } from './clock';
import { ACTORS, type Actor, type AuditEntry } from './types';

export interface AuditInput {
  actor: Actor;
  action: string;
  subjectId?: string | null;
  /** JSON-serialisable context. Never biometric data: typed arrays and buffers are refused. */
  details?: Record<string, unknown> | null;
}

export interface AuditListOptions {
  /** Newest entries first; default 100, at most 10 000. */
  limit?: number;
  /** Only entries at or after this ISO time. */
  since?: string;
}

interface AuditDbRow {
  seq: number;
  id: string;
  at: string;
  actor: Actor;
  action: string;
  subject_id: string | null;
  details: string | null;
}

function serializeDetails(details: Record<string, unknown>): string {
  return JSON.stringify(details, (_key, value: unknown) => {
    // Embeddings and images must never leak into the log, which is neither encrypted nor deletable.
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      throw new AppError(
        'INVALID_INPUT',
        'Audit details must not contain binary data such as face templates or images.',
      );
    }
    return value;
  });
}

export class AuditRepo {
  readonly #clock: Clock;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, string, string, string | null, string | null, string]>;
  readonly #head: Database.Statement<[], { hash: string | null }>;
  readonly #list: Database.Statement<[string, number], AuditDbRow>;

  constructor(db: Database.Database, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO audit_log (id, at, actor, action, subject_id, details, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#head = db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#list = db.prepare(
      'SELECT seq, id, at, actor, action, subject_id, details FROM audit_log WHERE at >= ? ORDER BY seq DESC LIMIT ?',
    );
  }

  append(entry: AuditInput): void {
    if (!ACTORS.includes(entry.actor)) {
      throw new AppError(
        'INVALID_INPUT',
        `"${String(entry.actor)}" is not a known actor; use one of ${ACTORS.join(', ')}.`,
      );
    }
    if (!entry.action)
      throw new AppError('INVALID_INPUT', 'An audit entry needs an action name such as "person.create".');
    const details = entry.details == null ? null : serializeDetails(entry.details);
    const fields = {
      id: randomUUID(),
      at: isoNow(this.#clock),
      actor: entry.actor,
      action: entry.action,
      subject_id: entry.subjectId ?? null,
      details,
    };
    // Linked to the entry before it (audit-chain.ts). IMMEDIATE: another process (the CLI beside
    // `presence serve`) cannot append between this read of the head and the insert.
    this.#db
      .transaction(() => {
        const previous = this.#head.get()?.hash ?? GENESIS;
        const { id, at, actor, action, subject_id } = fields;
        this.#insert.run(id, at, actor, action, subject_id, details, entryHash(previous, fields));
      })
      .immediate();
  }

  /** Checks the whole hash chain: OK with its head, or the first entry that does not follow. */
  verify(): AuditChainStatus {
    return verifyChain(this.#db);
  }

  /** Where a head printed earlier (in an export) sits in the part of the chain that holds; null if nowhere. */
  findHead(hash: string): ChainPosition | null {
    return findHead(this.#db, hash);
  }

  list(opts: AuditListOptions = {}): AuditEntry[] {
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 100), 1), 10_000);
    return this.#list.all(opts.since ?? '', limit).map((r) => ({
      seq: r.seq,
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      subjectId: r.subject_id,
      details: r.details == null ? null : (JSON.parse(r.details) as unknown),
    }));
  }
}
