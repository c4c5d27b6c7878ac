// The audit log's hash chain on a real SQLite file: the app's own writes keep it whole; an entry
// deleted, edited or slipped in by hand (after dropping the append-only triggers, as the privacy review
// did) breaks it at that entry; the app says so when it opens the file, and `presence audit verify`
// reports the first broken link with a non-zero exit. Migration 006 chains the entries of an older file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openDatabase, AuditRepo } from '../../src/main/db';
import { GENESIS } from '../../src/main/db/audit-chain';
import { appOn, tempApp, type TempApp } from '../helpers/temp-app';
import { runPresence } from '../helpers/cli';

let t: TempApp;

beforeEach(() => {
  t = tempApp();
});
afterEach(async () => {
  await t.cleanup();
});

/** Some history: three people added and one renamed, each with its audit entry. */
function history(): void {
  const ids = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper'].map((name) => t.app.people.create({ name }, 'admin').id);
  t.app.people.update(ids[1]!, { name: 'Alan M. Turing' }, 'admin');
}

/** Opens the file directly, as someone with access to the data folder could. */
function tamper(sql: string): void {
  const db = new Database(t.databasePath);
  try {
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    db.exec(sql);
  } finally {
    db.close();
  }
}

function seqs(): number[] {
  const db = new Database(t.databasePath, { readonly: true });
  try {
    return (db.prepare('SELECT seq FROM audit_log ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
  } finally {
    db.close();
  }
}

describe('the audit hash chain', () => {
  it("holds over the app's own writes, and its head changes with every entry", () => {
    const empty = t.app.store.audit.verify();
    history();
    const status = t.app.store.audit.verify();
    expect(status.ok).toBe(true);
    expect(status.entries).toBeGreaterThanOrEqual(4);
    expect(status.head).toMatch(/^[0-9a-f]{64}$/);
    expect(status.head).not.toBe(empty.head);
    expect(status.brokenAt).toBeNull();
  });

  it('catches an entry deleted by hand: the chain breaks at the entry after it', async () => {
    history();
    const [, second, third] = seqs();
    await t.app.close();
    tamper(`DELETE FROM audit_log WHERE seq = ${second}`);
    const db = openDatabase(t.databasePath);
    const status = new AuditRepo(db).verify();
    db.close();
    expect(status).toMatchObject({ ok: false, brokenAt: { seq: third } });
  });

  it('catches an entry edited by hand, says so when the app opens the file, and in `presence audit verify`', async () => {
    history();
    const [, second] = seqs();
    await t.app.close();
    tamper(`UPDATE audit_log SET details = '{"name":"Nobody"}' WHERE seq = ${second}`);

    const reopened = appOn(t.databasePath);
    try {
      expect(reopened.info().auditLog).toMatchObject({ ok: false, brokenAt: { seq: second } });
    } finally {
      await reopened.close();
    }
    const cli = await runPresence(t.databasePath, ['audit', 'verify']);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`breaks at entry #${second}`);
    const json = await runPresence(t.databasePath, ['audit', 'verify', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, brokenAt: { seq: second } });
  });

  it('reports OK with the chain head when nothing was touched', async () => {
    history();
    const head = t.app.store.audit.verify().head;
    await t.app.close();
    const cli = await runPresence(t.databasePath, ['audit', 'verify']);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`Audit log OK`);
    expect(cli.out).toContain(head);
  });
});

describe('migration 006', () => {
  it("chains the entries a file at schema 5 already had, and the app's next entries follow them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-m006-'));
    const file = path.join(dir, 'presence.db');
    try {
      const old = new Database(file);
      migrate(old, MIGRATIONS.slice(0, 5));
      const insert = old.prepare('INSERT INTO audit_log (id, at, actor, action, details) VALUES (?, ?, ?, ?, ?)');
      insert.run('a1', '2026-11-01T08:00:00.000Z', 'admin', 'person.create', '{"name":"Ada"}');
      insert.run('a2', '2026-11-02T08:00:00.000Z', 'cli', 'admin.pin_reset', null);
      old.close();

      const db = openDatabase(file); // migrates to the latest schema
      const audit = new AuditRepo(db);
      expect(audit.verify()).toMatchObject({ ok: true, entries: 2 });
      audit.append({ actor: 'system', action: 'test.entry' });
      expect(audit.verify()).toMatchObject({ ok: true, entries: 3 });
      expect(audit.verify().head).not.toBe(GENESIS);
      // Still append-only after the backfill.
      expect(() => db.exec("UPDATE audit_log SET action = 'x' WHERE id = 'a1'")).toThrow(/append-only/);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
