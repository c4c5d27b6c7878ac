// The audit log's chain head in every attendance export (issue 14): the CSV (after the table) and the
// XLSX (sheet "Audit") carry the head `presence audit verify` reports at that moment; later, `presence
// audit verify --head HASH` finds that head at its entry count as long as nothing up to it was changed,
// and fails once an entry was edited by hand or the end of the log was cut off and written anew (which
// leaves the chain itself whole).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import readXlsxFile from 'read-excel-file/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLogStatus } from '../../src/shared/types';
import { runPresence } from '../helpers/cli';
import { appOn, tempApp, type TempApp } from '../helpers/temp-app';

let t: TempApp;

beforeEach(() => {
  const clock = Date.parse('2026-12-02T10:00:00Z');
  t = tempApp({ now: () => clock });
  t.app.updateSettings({ timeZone: 'Europe/Berlin', stationName: 'Front door' }, 'admin');
  const ada = t.app.people.create({ name: 'Ada Lovelace', externalId: 'E-001' }, 'admin').id;
  for (const [kind, time] of [
    ['in', '08:00'],
    ['out', '10:30'],
  ] as const)
    t.app.attendance.add({ personId: ada, kind, when: { day: '2026-12-02', time }, reason: 'test' }, 'admin');
});

afterEach(async () => {
  await t.cleanup();
});

const RANGE = ['--from', '2026-12-02', '--to', '2026-12-02'];

/** The facts of a CSV export's audit block: the rows after the table's blank row, by label. */
function csvAudit(csv: string): Record<string, string> {
  const lines = csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
  const blank = lines.findIndex((l) => /^,+$/.test(l));
  expect(blank, 'a blank row between the table and the audit block').toBeGreaterThan(0);
  // Every row of the file is as wide as the header (the sentence is the only quoted cell, last of its row).
  const width = lines[0]!.split(',').length;
  for (const l of lines.slice(blank, -1)) expect(l.split(',')).toHaveLength(width);
  expect(lines.at(-1)!.endsWith(','.repeat(width - 2))).toBe(true);
  return Object.fromEntries(
    lines.slice(blank + 1).map((l) => {
      const [label, ...rest] = l.split(',');
      const value = rest.join(',').replace(/,+$/, '');
      return [label!, value.startsWith('"') ? value.slice(1, -1).replace(/""/g, '"') : value];
    }),
  );
}

/** The facts on an XLSX export's "Audit" sheet, by label. */
async function xlsxAudit(bytes: Uint8Array): Promise<Record<string, unknown>> {
  const sheets = await readXlsxFile(Buffer.from(bytes));
  expect(sheets.map((s) => s.sheet).at(-1)).toBe('Audit');
  return Object.fromEntries(sheets.at(-1)!.data.map(([label, value]) => [label as string, value]));
}

async function verify(...args: string[]): Promise<AuditLogStatus & { headAt?: unknown }> {
  const r = await runPresence(t.databasePath, ['audit', 'verify', '--json', ...args]);
  return JSON.parse(r.out) as AuditLogStatus & { headAt?: unknown };
}

/** Opens the file directly, as someone with access to the data folder could, and changes it. */
function tamper(sql: string): void {
  const db = new Database(t.databasePath);
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** A CSV export by the CLI, the head `presence audit verify` reports right after it, and that status. */
async function exportAndVerify(
  sheet: 'events' | 'timesheet',
): Promise<{ facts: Record<string, string>; status: AuditLogStatus }> {
  const r = await runPresence(t.databasePath, ['export', 'attendance', ...RANGE, '--sheet', sheet]);
  expect(r.code, r.err).toBe(0);
  return { facts: csvAudit(r.out), status: await verify() };
}

describe("the audit log's head in attendance exports", () => {
  it('is in the CSV and XLSX the screens export, as the chain is at that moment', async () => {
    const status = t.app.store.audit.verify();
    expect(status.ok).toBe(true);
    for (const sheet of ['timesheet', 'events'] as const) {
      const csv = await t.app.attendance.export({ from: '2026-12-02', to: '2026-12-02' }, 'csv', sheet);
      const facts = csvAudit(new TextDecoder().decode(csv.bytes));
      expect(facts).toEqual({
        'Audit log entries': String(status.entries),
        'Audit log head': status.head,
        'Exported at (UTC)': '2026-12-02T10:00:00.000Z', // the app's clock
        'Audit log': expect.stringContaining(`presence audit verify --head ${status.head}`) as unknown,
      });
      const xlsx = await t.app.attendance.export({ from: '2026-12-02', to: '2026-12-02' }, 'xlsx', sheet);
      expect(await xlsxAudit(xlsx.bytes)).toEqual({
        'Audit log entries': status.entries,
        'Audit log head': status.head,
        'Exported at (UTC)': '2026-12-02T10:00:00.000Z',
        'Audit log': facts['Audit log'],
      });
      // The data sheet comes first and holds the table only: the header and two punches, or the header,
      // the day and the total.
      const [data] = await readXlsxFile(Buffer.from(xlsx.bytes));
      expect(data!.data).toHaveLength(3);
      expect(data!.data.flat()).not.toContain(status.head);
    }
  });

  it('is in every CLI export the head that `presence audit verify` reports', async () => {
    await t.app.close();
    for (const sheet of ['events', 'timesheet'] as const) {
      const before = Date.now();
      const { facts, status } = await exportAndVerify(sheet);
      expect(status.ok).toBe(true);
      expect(facts['Audit log entries']).toBe(String(status.entries));
      expect(facts['Audit log head']).toBe(status.head);
      const at = Date.parse(facts['Exported at (UTC)']!);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());

      const out = path.join(t.dir, `${sheet}.xlsx`);
      const r = await runPresence(t.databasePath, [
        'export',
        'attendance',
        ...RANGE,
        '--sheet',
        sheet,
        '--format',
        'xlsx',
        '--out',
        out,
      ]);
      expect(r.code, r.err).toBe(0);
      const sheetFacts = await xlsxAudit(fs.readFileSync(out));
      expect(sheetFacts['Audit log entries']).toBe(status.entries);
      expect(sheetFacts['Audit log head']).toBe(status.head);
    }
  });

  it('is still found by `audit verify --head` at its entry count after later audited changes', async () => {
    await t.app.close();
    const { facts } = await exportAndVerify('timesheet');
    const head = facts['Audit log head']!;
    const entries = Number(facts['Audit log entries']);

    const later = appOn(t.databasePath);
    try {
      later.people.create({ name: 'Alan Turing' }, 'admin');
    } finally {
      await later.close();
    }
    const now = await verify();
    expect(now.ok).toBe(true);
    expect(now.entries).toBeGreaterThan(entries);
    expect(now.head).not.toBe(head);

    const r = await runPresence(t.databasePath, ['audit', 'verify', '--head', head.toUpperCase()]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('Audit log OK');
    expect(r.out).toContain(`Head ${head} found: it is the chain head after ${entries} entries`);
    expect((await verify('--head', head)).headAt).toMatchObject({ entries });
  });

  it('is not found once an entry up to it was edited by hand', async () => {
    await t.app.close();
    const { facts } = await exportAndVerify('events');
    tamper(`UPDATE audit_log SET details = '{"name":"Nobody"}' WHERE seq = (SELECT MIN(seq) FROM audit_log)`);
    const r = await runPresence(t.databasePath, ['audit', 'verify', '--head', facts['Audit log head']!]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('breaks at entry #');
    expect(r.out).toContain(`Head ${facts['Audit log head']} NOT found in the audit log`);
    expect((await verify('--head', facts['Audit log head']!)).headAt).toBeNull();

    // An export of the broken log still works, and says so where the sentence goes.
    const after = await exportAndVerify('events');
    expect(after.facts['Audit log']).toMatch(/^WARNING: the audit log had already been altered outside Presence/);
    expect(after.facts['Audit log entries']).toBe(String(after.status.entries - 1));
  });

  it('is not found once the end of the log was cut off and written anew, which leaves the chain whole', async () => {
    await t.app.close();
    const { facts } = await exportAndVerify('events');
    const head = facts['Audit log head']!;
    // Cut the last entry off; the next entry then follows the one before it, and the chain holds.
    tamper('DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)');
    const later = appOn(t.databasePath);
    try {
      later.people.create({ name: 'Alan Turing' }, 'admin');
    } finally {
      await later.close();
    }
    expect(await verify()).toMatchObject({ ok: true, entries: Number(facts['Audit log entries']) });
    const r = await runPresence(t.databasePath, ['audit', 'verify', '--head', head]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Audit log OK');
    expect(r.out).toContain(`Head ${head} NOT found`);
  });

  it('refuses a --head that is not a chain head', async () => {
    await t.app.close();
    const r = await runPresence(t.databasePath, ['audit', 'verify', '--head', 'abc']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--head takes a chain head');
  });
});
