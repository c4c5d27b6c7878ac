// The audit log as a hash chain: each entry carries the SHA-256 of the entry before it and of its own
// canonical encoding, so deleting, editing or inserting an entry by hand (after dropping the triggers
// that keep the table append-only) breaks the chain from that entry on. The app checks it at open and
// says so loudly when it is broken (app.info, the admin screens, `presence serve`), and
// `presence audit verify` reports the first broken link. What the chain cannot show alone is entries cut
// off the end: the head it prints (in `presence audit verify` and the exports) lets an outside copy
// prove that later.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditLogStatus } from '../../shared/types';

/** The "previous hash" of the first entry. */
export const GENESIS = '0'.repeat(64);

/** An entry's stored fields, in the order they are hashed. `seq` is left out: it orders, the hash proves. */
export interface ChainedFields {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject_id: string | null;
  details: string | null;
}

/** SHA-256 over the previous hash and the entry's canonical encoding (a JSON array of its fields). */
export function entryHash(previous: string, e: ChainedFields): string {
  const canonical = JSON.stringify([e.id, e.at, e.actor, e.action, e.subject_id, e.details]);
  return createHash('sha256').update(previous).update('\n').update(canonical).digest('hex');
}

/** The check's answer; shared with the screens as AuditLogStatus (GENESIS is the head of an empty log). */
export type AuditChainStatus = AuditLogStatus;

/** Walks the whole log in order; a few hundred thousand entries take well under a second. */
export function verifyChain(db: Database.Database): AuditChainStatus {
  const rows = db
    .prepare('SELECT seq, id, at, actor, action, subject_id, details, hash FROM audit_log ORDER BY seq')
    .iterate() as IterableIterator<ChainedFields & { seq: number; hash: string | null }>;
  let previous = GENESIS;
  let entries = 0;
  for (const row of rows) {
    entries += 1;
    const expected = entryHash(previous, row);
    if (row.hash !== expected) return { ok: false, entries, head: previous, brokenAt: { seq: row.seq, at: row.at } };
    previous = expected;
  }
  return { ok: true, entries, head: previous, brokenAt: null };
}

/** Where a head taken earlier (an export's, say) sits in the chain: after how many entries, at which. */
export interface ChainPosition {
  /** The number of entries up to and including it; 0 for GENESIS, the head of an empty log. */
  entries: number;
  /** That entry's seq and time; null for GENESIS. */
  seq: number | null;
  at: string | null;
}

/**
 * Finds `hash` as the head of the chain's first entries, walking only the part of the chain that holds:
 * a hash stored on an entry after a break proves nothing. null when no such entry has it (it was changed
 * or removed since, or the hash is from another database).
 */
export function findHead(db: Database.Database, hash: string): ChainPosition | null {
  const wanted = hash.toLowerCase();
  if (wanted === GENESIS) return { entries: 0, seq: null, at: null };
  const rows = db
    .prepare('SELECT seq, id, at, actor, action, subject_id, details, hash FROM audit_log ORDER BY seq')
    .iterate() as IterableIterator<ChainedFields & { seq: number; hash: string | null }>;
  let previous = GENESIS;
  let entries = 0;
  for (const row of rows) {
    entries += 1;
    const expected = entryHash(previous, row);
    if (row.hash !== expected) return null;
    if (expected === wanted) return { entries, seq: row.seq, at: row.at };
    previous = expected;
  }
  return null;
}
