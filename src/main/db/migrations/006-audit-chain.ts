import { entryHash, GENESIS, type ChainedFields } from '../audit-chain';
import type { Migration } from './types';

/**
 * The audit log becomes a hash chain (db/audit-chain.ts): each entry gets the hash that links it to the
 * one before. Entries written before this step are chained here, in order, as they are.
 */
export const migration006AuditChain: Migration = {
  version: 6,
  name: 'audit hash chain',
  up(db) {
    db.exec('ALTER TABLE audit_log ADD COLUMN hash TEXT');
    // The append-only trigger would refuse the backfill: it steps aside for it, inside this migration's
    // transaction, and comes back unchanged.
    db.exec('DROP TRIGGER audit_log_no_update');
    const set = db.prepare('UPDATE audit_log SET hash = ? WHERE seq = ?');
    let previous = GENESIS;
    const rows = db
      .prepare('SELECT seq, id, at, actor, action, subject_id, details FROM audit_log ORDER BY seq')
      .all() as Array<ChainedFields & { seq: number }>;
    for (const row of rows) {
      previous = entryHash(previous, row);
      set.run(previous, row.seq);
    }
    db.exec(`
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
      END;
    `);
  },
};
