// The `presence` command run in-process on a real database, with the real engine on real photos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPresence } from '../helpers/cli';
import { PresenceApp } from '../../src/main/app';
import { makeTestCert } from '../helpers/tls-cert';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const IMAGES = path.resolve(__dirname, '../fixtures/images');

let dir: string;
let db: string;

/** One line of `presence identify --json`. */
interface IdentifyLine {
  image: string;
  faceCount: number;
  personId: string | null;
  name: string | null;
  distance: number | null;
  alpha: number | null;
  accepted: boolean;
  reason: string | null;
  error: { code: string; message: string } | null;
  faces: Array<{ name: string | null; personId: string | null; distance: number }>;
}

/** Runs the CLI on this file's database. */
function presence(...args: string[]) {
  return runPresence(db, args);
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
  it('adds, lists and erases people', async () => {
    expect((await presence('people', 'add', 'Ada Lovelace', '--external-id', 'E-1')).code).toBe(0);
    const list = await presence('people', 'list', '--json');
    expect(JSON.parse(list.out)).toMatchObject([{ name: 'Ada Lovelace', externalId: 'E-1', templateCount: 0 }]);
    expect((await presence('people', 'erase', 'Ada Lovelace', '--confirm-name', 'Ada Lovelace')).code).toBe(0);
    expect(JSON.parse((await presence('people', 'list', '--json')).out)).toEqual([]);
  });

  it('adds a namesake, saying who else has the name so the two can be told apart', async () => {
    expect((await presence('people', 'add', 'John Smith', '--external-id', 'E-7')).code).toBe(0);
    const second = await presence('people', 'add', 'john  SMITH');
    expect(second.code).toBe(0);
    expect(second.err).toMatch(/^Note: John Smith \([0-9a-f-]+, external ID E-7\) has the same name\./);
    const list = JSON.parse((await presence('people', 'list', '--json')).out) as { id: string }[];
    expect(list).toHaveLength(2);
    for (const p of list)
      expect((await presence('people', 'erase', p.id, '--confirm-name', 'John Smith')).code).toBe(0);
  });

  it('fails with a one-line reason on bad input', async () => {
    const missing = await presence('people', 'erase', 'Nobody', '--confirm-name', 'Nobody');
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe('presence: Nobody called "Nobody" is enrolled: see "presence people list".');
    const badDate = await presence('export', 'attendance', '--from', 'yesterday', '--to', '2026-11-30');
    expect(badDate.code).not.toBe(0);
    expect(badDate.err).toContain('expected a date as YYYY-MM-DD');
    const noDir = await presence('import', '--consent-recorded-by', 'Test admin', path.join(dir, 'nope'));
    expect(noDir.code).not.toBe(0);
    expect(noDir.err).toContain('does not exist');
  });

  it('imports a folder, skipping a bad photo with its reason, and adds nothing twice when run again', async () => {
    const first = await presence('import', '--consent-recorded-by', 'Test admin', path.join(dir, 'import'));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/skipped Aaron_Peirsol\/broken\.jpg: .*(damaged|corrupt|incomplete|cannot be read)/i);
    expect(first.out).toContain('Imported 2 people: 3 photos enrolled, 1 already enrolled, 1 skipped.');
    const again = await presence('import', '--consent-recorded-by', 'Test admin', path.join(dir, 'import'));
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
    const held = await presence('enroll', '--consent-recorded-by', 'Test admin', '--name', 'Bush Double', photo);
    expect(held.code).toBe(1);
    expect(held.out).toContain('looks like George W Bush');
    expect(held.out).toContain('--accept-duplicates adds it anyway');
    const forced = await presence(
      'enroll',
      '--consent-recorded-by',
      'Test admin',
      '--name',
      'Bush Double',
      '--accept-duplicates',
      photo,
    );
    expect(forced.code).toBe(0);
    expect((await presence('people', 'erase', 'Bush Double', '--confirm-name', 'Bush Double')).code).toBe(0);
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

  it('identifies several photos with one engine start: one JSON line each, in the order given', async () => {
    // Aaron Peirsol is enrolled from another photo (0002); Al Gore and Colin Farrell are not enrolled.
    const photos = ['Aaron_Peirsol_0001.jpg', 'Al_Gore_0001.jpg', 'George_W_Bush_0002.jpg', 'Colin_Farrell_0003.jpg'];
    const starts = vi.spyOn(PresenceApp.prototype, 'startEngine');
    let r: Awaited<ReturnType<typeof presence>>;
    try {
      r = await presence('identify', '--json', ...photos.map((p) => path.join(FACES, p)));
      expect(starts, 'the engine is started once for all the photos').toHaveBeenCalledTimes(1);
    } finally {
      starts.mockRestore();
    }
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines, 'exactly one line per photo, nothing else on stdout').toHaveLength(photos.length);
    const parsed = lines.map((l) => JSON.parse(l) as IdentifyLine);
    expect(parsed.map((l) => path.basename(l.image))).toEqual(photos);
    // Colin Farrell's photo also shows a larger face of another man, cut by the border.
    expect(parsed.map((l) => l.faceCount)).toEqual([1, 1, 1, 2]);
    for (const l of parsed) {
      expect(l.error).toBeNull();
      expect(l.faces).toHaveLength(l.faceCount);
      expect(l.alpha).toBeGreaterThan(0);
      expect(typeof l.distance).toBe('number');
      // The decision is the app's: accepted exactly when within the threshold (and not ambiguous).
      expect(l.accepted).toBe(l.reason === 'accepted');
      if (l.accepted) expect(l.distance!).toBeLessThanOrEqual(l.alpha!);
      expect(l.name !== null).toBe(l.accepted);
      expect(l.faces[0]).toMatchObject({ name: l.name, personId: l.personId, distance: l.distance });
    }
    const byPhoto = Object.fromEntries(parsed.map((l) => [path.basename(l.image), l]));
    expect(byPhoto['Aaron_Peirsol_0001.jpg']).toMatchObject({
      name: 'Aaron Peirsol',
      accepted: true,
      reason: 'accepted',
    });
    expect(byPhoto['George_W_Bush_0002.jpg']).toMatchObject({ name: 'George W Bush', accepted: true });
    for (const stranger of ['Al_Gore_0001.jpg', 'Colin_Farrell_0003.jpg']) {
      expect(byPhoto[stranger], `${stranger} is nobody enrolled`).toMatchObject({
        name: null,
        personId: null,
        accepted: false,
      });
      expect(byPhoto[stranger]!.reason).toMatch(/^(above_threshold|ambiguous)$/);
    }
  });

  it('gives a bad photo among good ones its own line with the reason, identifies the others, and exits 1', async () => {
    const photos = [
      path.join(FACES, 'Aaron_Peirsol_0001.jpg'),
      path.join(IMAGES, 'corrupt-truncated.jpg'),
      path.join(IMAGES, 'no-face-gradient.jpg'),
      path.join(FACES, 'George_W_Bush_0002.jpg'),
    ];
    const json = await presence('identify', '--json', ...photos);
    expect(json.code).toBe(1);
    const parsed = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IdentifyLine);
    expect(parsed.map((l) => l.image)).toEqual(photos);
    expect(parsed.map((l) => l.error?.code ?? null)).toEqual([null, 'IMAGE_CORRUPT', 'NO_FACE', null]);
    expect(parsed[1]!.error!.message).toMatch(/damaged or truncated/);
    expect(parsed[2]).toMatchObject({ faceCount: 0, faces: [], personId: null, accepted: false });
    expect(parsed.map((l) => l.name)).toEqual(['Aaron Peirsol', null, null, 'George W Bush']);
    expect(json.err.trim()).toBe(
      'presence: 2 of 4 photos could not be identified (IMAGE_CORRUPT, NO_FACE): see their lines ("error").',
    );

    const human = await presence('identify', ...photos);
    expect(human.code).toBe(1);
    const lines = human.out.trim().split('\n');
    expect(lines, 'one line per photo and a summary').toHaveLength(5);
    expect(lines[0]).toMatch(/^.*Aaron_Peirsol_0001\.jpg: Aaron Peirsol \(distance [\d.]+, threshold [\d.]+\)$/);
    expect(lines[1]).toMatch(/corrupt-truncated\.jpg: IMAGE_CORRUPT .*damaged or truncated/);
    expect(lines[2]).toMatch(/no-face-gradient\.jpg: NO_FACE No face found in this photo\.$/);
    expect(lines[3]).toMatch(/George_W_Bush_0002\.jpg: George W Bush \(distance /);
    expect(lines[4]).toMatch(
      /^4 photo\(s\): 2 recognised, 0 not recognised, 2 could not be identified \(threshold [\d.]+\)\.$/,
    );
    expect(human.err).toContain(
      '2 of 4 photos could not be identified (IMAGE_CORRUPT, NO_FACE): see their lines above.',
    );
  });

  it('identifies the photos of a folder in name order and says who is not recognised', async () => {
    const folder = path.join(dir, 'to-check');
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(FACES, 'Colin_Farrell_0003.jpg'), path.join(folder, 'b-stranger.jpg'));
    fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0001.jpg'), path.join(folder, 'a-aaron.jpg'));
    fs.writeFileSync(path.join(folder, 'readme.txt'), 'not a photo');
    const r = await presence('identify', folder);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/a-aaron\.jpg: Aaron Peirsol \(distance /);
    expect(lines[1]).toMatch(
      /b-stranger\.jpg: not recognised.* \(nearest distance [\d.]+, threshold [\d.]+\); 1 more face\(s\) in the photo/,
    );
    expect(lines[2]).toMatch(/^2 photo\(s\): 1 recognised, 1 not recognised, 0 could not be identified/);
    const empty = path.join(dir, 'no-photos');
    fs.mkdirSync(empty);
    const none = await presence('identify', empty);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('has no JPEG, PNG or WebP photos in it');
  });

  it('exports attendance as CSV', async () => {
    const csv = await presence('export', 'attendance', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.out.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      'date,time,time_utc,person,external_id,person_id,kind,station,distance,liveness,source,corrected,reason',
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
