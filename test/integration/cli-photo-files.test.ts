// What `presence enroll`, `import` and `identify` say about the files they are given, run in-process on a
// real database with the real engine: a path that is not a photo file, a file far too large (sparse, so
// it costs no disk), and a file that is not an image at all, alone or with a byte-identical copy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { MAX_FILE_BYTES, readImageFile } from '../../src/main/engine/photo-file';
import { AppError } from '../../src/shared/errors';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const GIB = 1024 * 1024 * 1024;
const LIMIT_MB = MAX_FILE_BYTES / 1024 / 1024;

let dir: string;
let db: string;

/** Runs the CLI on this file's database. */
function presence(...args: string[]) {
  return runPresence(db, args);
}

/** A file of `bytes` bytes that takes no disk space. */
function sparse(name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  return file;
}

/** The most memory this process has held so far, in bytes. */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-cli-files-'));
  db = path.join(dir, 'presence.db');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('presence enroll with a path that is not a photo file', () => {
  it('says in one line that the file does not exist', async () => {
    const missing = path.join(dir, 'no-such-photo.jpg');
    const r = await presence('enroll', '--consent-recorded-by', 'Test admin', '--name', 'Ada Lovelace', missing);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([`presence: ${missing} does not exist: check the path of the photo.`]);
    expect(fs.existsSync(db)).toBe(false); // stopped before opening anything
  });

  it('says in one line that a folder is not a photo', async () => {
    const r = await presence(
      'enroll',
      '--consent-recorded-by',
      'Test admin',
      '--name',
      'Ada Lovelace',
      path.join(FACES, 'George_W_Bush_0001.jpg'),
      FACES,
    );
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^presence: ${FACES} is a folder, not a photo: `));
  });
});

describe('a photo file far over the size limit', () => {
  it('is refused by its size before it is read', async () => {
    const huge = sparse('huge.jpg', 3 * GIB);
    const before = peakRss();
    const e = await readImageFile(huge).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: `${huge} is 3072 MB: use a photo under ${LIMIT_MB} MB.`,
    });
    expect(peakRss() - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('gets its own line from enroll, with the limit, without the memory it would take to read it', async () => {
    const big = sparse('big.jpg', GIB);
    const huge = sparse('huge.jpg', 3 * GIB);
    const good = path.join(FACES, 'George_W_Bush_0001.jpg');
    const before = peakRss();
    const r = await presence(
      'enroll',
      '--consent-recorded-by',
      'Test admin',
      '--name',
      'George W Bush',
      big,
      good,
      huge,
    );
    expect(peakRss() - before).toBeLessThan(300 * 1024 * 1024);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      `skipped ${big}: ${big} is 1024 MB: use a photo under ${LIMIT_MB} MB.`,
      `skipped ${huge}: ${huge} is 3072 MB: use a photo under ${LIMIT_MB} MB.`,
      'George W Bush: 1 template(s) added, 1 in all.',
    ]);
  });

  it('is IMAGE_TOO_LARGE with the limit from identify, not "could not be opened"', async () => {
    const huge = sparse('huge.jpg', 3 * GIB);
    const r = await presence('identify', '--json', huge);
    expect(r.code).toBe(1);
    const line = JSON.parse(r.out.trim()) as { error: { code: string; message: string } };
    expect(line.error).toEqual({
      code: 'IMAGE_TOO_LARGE',
      message: `${huge} is 3072 MB: use a photo under ${LIMIT_MB} MB.`,
    });
  });
});

describe('a file that is not an image', () => {
  it('is "not a supported image" for enroll, also when another file in the batch has its bytes', async () => {
    const notes = path.join(dir, 'notes.jpg');
    const copy = path.join(dir, 'notes (copy).jpg');
    fs.writeFileSync(notes, 'not a photo');
    fs.copyFileSync(notes, copy);
    const r = await presence(
      'enroll',
      '--consent-recorded-by',
      'Test admin',
      '--name',
      'Al Gore',
      notes,
      copy,
      path.join(FACES, 'Al_Gore_0001.jpg'),
    );
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      `skipped ${notes}: ${notes} is not a JPEG, PNG or WebP image: save it in one of those formats.`,
      `skipped ${copy}: ${copy} is not a JPEG, PNG or WebP image: save it in one of those formats.`,
      'Al Gore: 1 template(s) added, 1 in all.',
    ]);
    expect(r.out).not.toContain('already enrolled');
  });

  it('is "not a supported image" for import, for each copy', async () => {
    const folder = path.join(dir, 'import', 'Aaron_Peirsol');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0001.jpg'), path.join(folder, '1.jpg'));
    fs.writeFileSync(path.join(folder, '2.jpg'), 'not a photo either');
    fs.writeFileSync(path.join(folder, '3.jpg'), 'not a photo either');
    const r = await presence('import', '--consent-recorded-by', 'Test admin', path.join(dir, 'import'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('skipped Aaron_Peirsol/2.jpg: ');
    expect(r.out).toContain('skipped Aaron_Peirsol/3.jpg: ');
    expect(r.out.match(/is not a JPEG, PNG or WebP image/g)).toHaveLength(2);
    expect(r.out).toContain('Imported 1 people: 1 photos enrolled, 0 already enrolled, 2 skipped.');
  });
});

describe('a folder name that cannot be a name', () => {
  it('is said on its own line by import, which imports the other folders', async () => {
    const root = path.join(dir, 'import-names');
    for (const folder of ['\u202Eerogla', '\u200B', 'Al_Gore'])
      fs.mkdirSync(path.join(root, folder), { recursive: true });
    fs.copyFileSync(path.join(FACES, 'George_W_Bush_0002.jpg'), path.join(root, '\u202Eerogla', '1.jpg'));
    fs.copyFileSync(path.join(FACES, 'George_W_Bush_0002.jpg'), path.join(root, '\u200B', '1.jpg'));
    fs.copyFileSync(path.join(FACES, 'Al_Gore_0001.jpg'), path.join(root, 'Al_Gore', '1.jpg'));
    const r = await presence('import', '--consent-recorded-by', 'Test admin', root);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.pop()).toBe('Imported 1 people: 0 photos enrolled, 1 already enrolled, 0 skipped.');
    expect(lines.sort()).toEqual([
      'not added: \\u{200B}: The folder name has no visible character: rename the folder.',
      'not added: \\u{202E}erogla: The folder name contains a text-direction control (U+202E) that would make it display as something else: rename the folder.',
    ]);
  });
});
