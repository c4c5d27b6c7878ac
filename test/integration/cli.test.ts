// The `presence` command run in-process on a real database, with the real engine on real photos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program';
import { makeTestCert } from '../helpers/tls-cert';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const IMAGES = path.resolve(__dirname, '../fixtures/images');

let dir: string;
let db: string;

/** Runs the CLI and returns its exit code and what it printed. */
async function presence(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  try {
    const code = await main(['node', 'presence', '--db', db, ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-cli-'));
  db = path.join(dir, 'presence.db');
  // A folder to import: one sub-folder per person, one of them with a corrupt photo.
  const people = path.join(dir, 'import');
  fs.mkdirSync(path.join(people, 'George_W_Bush'), { recursive: true });
  fs.mkdirSync(path.join(people, 'Aaron_Peirsol'), { recursive: true });
  fs.copyFileSync(path.join(FACES, 'George_W_Bush_0001.jpg'), path.join(people, 'George_W_Bush', '1.jpg'));
  fs.copyFileSync(path.join(FACES, 'George_W_Bush_0002.jpg'), path.join(people, 'George_W_Bush', '2.jpg'));
  fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0002.jpg'), path.join(people, 'Aaron_Peirsol', '1.jpg'));
  // The same photo twice, as folders collected by hand often have it: one template, no error.
  fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0002.jpg'), path.join(people, 'Aaron_Peirsol', '1 (copy).jpg'));
  fs.copyFileSync(path.join(IMAGES, 'corrupt-truncated.jpg'), path.join(people, 'Aaron_Peirsol', 'broken.jpg'));
  fs.writeFileSync(path.join(people, 'Aaron_Peirsol', 'notes.txt'), 'not a photo');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('presence CLI', () => {
  it('adds, lists and removes people', async () => {
    expect((await presence('people', 'add', 'Ada Lovelace', '--external-id', 'E-1')).code).toBe(0);
    const list = await presence('people', 'list', '--json');
    expect(JSON.parse(list.out)).toMatchObject([{ name: 'Ada Lovelace', externalId: 'E-1', templateCount: 0 }]);
    expect((await presence('people', 'remove', 'Ada Lovelace')).code).toBe(0);
    expect(JSON.parse((await presence('people', 'list', '--json')).out)).toEqual([]);
  });

  it('fails with a one-line reason on bad input', async () => {
    const missing = await presence('people', 'remove', 'Nobody');
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe('presence: Nobody called "Nobody" is enrolled: see "presence people list".');
    const badDate = await presence('export', 'attendance', '--from', 'yesterday', '--to', '2026-11-30');
    expect(badDate.code).not.toBe(0);
    expect(badDate.err).toContain('expected a date as YYYY-MM-DD');
    const noDir = await presence('import', path.join(dir, 'nope'));
    expect(noDir.code).not.toBe(0);
    expect(noDir.err).toContain('does not exist');
  });

  it('imports a folder, skipping a bad photo with its reason, and adds nothing twice when run again', async () => {
    const first = await presence('import', path.join(dir, 'import'));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/skipped Aaron_Peirsol\/broken\.jpg: .*(damaged|corrupt|incomplete|cannot be read)/i);
    expect(first.out).toContain('Imported 2 people: 3 photos enrolled, 1 already enrolled, 1 skipped.');
    const again = await presence('import', path.join(dir, 'import'));
    expect(again.out).toContain('Imported 2 people: 0 photos enrolled, 4 already enrolled, 1 skipped.');
    const people = JSON.parse((await presence('people', 'list', '--json')).out) as Array<{
      name: string;
      templateCount: number;
    }>;
    expect(people.map((p) => [p.name, p.templateCount])).toEqual([
      ['Aaron Peirsol', 1],
      ['George W Bush', 2],
    ]);
  });

  it('does not enroll a face already enrolled as someone else unless told to', async () => {
    const photo = path.join(FACES, 'George_W_Bush_0002.jpg');
    const held = await presence('enroll', '--name', 'Bush Double', photo);
    expect(held.code).toBe(1);
    expect(held.out).toContain('looks like George W Bush');
    expect(held.out).toContain('--accept-duplicates adds it anyway');
    const forced = await presence('enroll', '--name', 'Bush Double', '--accept-duplicates', photo);
    expect(forced.code).toBe(0);
    expect((await presence('people', 'remove', 'Bush Double')).code).toBe(0);
  });

  it('identifies an enrolled person and refuses a photo without a face', async () => {
    const who = await presence('identify', path.join(IMAGES, 'frame-640x480-one-face.jpg'), '--json');
    expect(who.code).toBe(0);
    const result = JSON.parse(who.out.trim().split('\n').at(-1)!) as { faces: Array<{ name: string | null }> };
    expect(result.faces).toHaveLength(1);
    const none = await presence('identify', path.join(IMAGES, 'no-face-gradient.jpg'));
    expect(none.code).toBe(1);
    expect(none.err).toContain('No face found');
  });

  it('exports attendance as CSV', async () => {
    const csv = await presence('export', 'attendance', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.out.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      'date,time,time_utc,person,person_id,kind,station,distance,liveness',
    );
  });

  it('says a database is not there instead of creating an empty one for a command that only reads', async () => {
    const typo = path.join(dir, 'typo', 'presnce.db');
    for (const args of [
      ['people', 'list'],
      ['export', 'attendance', '--from', '2026-11-01', '--to', '2026-11-30'],
    ]) {
      const r = await presence('--db', typo, ...args); // the last --db wins
      expect(r.code).toBe(1);
      expect(r.err).toContain(`There is no Presence database at ${typo}: check --db`);
    }
    expect(fs.existsSync(path.dirname(typo)), 'nothing created for a mistyped --db').toBe(false);
  });

  it('refuses to serve https with half a certificate, or a key that belongs to another one, saying why', async () => {
    const one = makeTestCert(dir, 'one');
    const other = makeTestCert(dir, 'other');
    const half = await presence('serve', '--port', '0', '--tls-cert', one.certFile);
    expect(half.code).toBe(1);
    expect(half.err).toContain('needs both --tls-cert and --tls-key');
    const mixed = await presence('serve', '--port', '0', '--tls-cert', one.certFile, '--tls-key', other.keyFile);
    expect(mixed.code).toBe(1);
    expect(mixed.err).toContain('are not a PEM certificate and its own private key');
  });
});
