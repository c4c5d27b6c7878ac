// `presence cluster DIR` run in-process with the real engine on real photos: four real people from the
// LFW fixtures (test/fixtures/e2e/SOURCE.md) in sub-folders, a photo of two faces (bench/make-fixtures.mjs:
// George W Bush, and Al Gore larger and nearer the centre), a photo with no face, a file that is no image
// and one too large. The people come out as their groups (Al Gore's with the larger face of the two),
// George W Bush unclustered, the bad files listed with the engine's reason, and members named by relative
// path (`#k` only for the faces of a photo with more than one, without --main-face). Its own file: each
// run starts and stops an engine in this process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { MAX_FILE_BYTES } from '../../src/main/engine/photo-file';

const E2E = path.resolve(__dirname, '../fixtures/e2e');
const IMAGES = path.resolve(__dirname, '../fixtures/images');

let dir: string;
let photos: string;
let db: string;

/** The people's photos as they are placed in the folder (relative path -> fixture file). */
const PEOPLE: Record<string, string[]> = {
  toledo: ['0001', '0004', '0007', '0008', '0010', '0020', '0024'].map((n) => `Alejandro_Toledo_${n}.jpg`),
  'events/chalabi': ['0001', '0002', '0003', '0004'].map((n) => `Ahmed_Chalabi_${n}.jpg`),
  'events/sugiyama': ['0001', '0002', '0003'].map((n) => `Ai_Sugiyama_${n}.jpg`),
  gore: ['Al_Gore_0001.jpg', 'Al_Gore_0002.jpg'],
};
const inFolder = (folder: string) => PEOPLE[folder]!.map((f) => `${folder}/${f}`);
/**
 * Largest first; Al Gore's group (3 with the two-face photo) after Ai Sugiyama's (3), whose first photo
 * comes first in the folder's order; members in that order.
 */
const groups = (twoFaces: string) => [
  inFolder('toledo'),
  inFolder('events/chalabi'),
  inFolder('events/sugiyama'),
  [...inFolder('gore'), twoFaces],
];

interface Report {
  clusters: string[][];
  unclustered: string[];
  faces: number;
  photos: number;
  threshold: number;
  failed: { photo: string; code: string; reason: string }[];
}

async function cluster(...args: string[]): Promise<{ code: number; out: string; err: string; report: Report }> {
  const r = await runPresence(db, ['cluster', photos, ...args]);
  expect(r.code, r.err).toBe(0);
  const last = r.out.trim().split('\n').at(-1)!;
  return { ...r, report: JSON.parse(last) as Report };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-cli-cluster-'));
  photos = path.join(dir, 'photos');
  db = path.join(dir, 'presence.db');
  for (const [folder, files] of Object.entries(PEOPLE)) {
    fs.mkdirSync(path.join(photos, folder), { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(E2E, f), path.join(photos, folder, f));
  }
  fs.copyFileSync(path.join(IMAGES, 'two-faces.jpg'), path.join(photos, 'two-faces.jpg'));
  fs.copyFileSync(path.join(IMAGES, 'no-face-gradient.jpg'), path.join(photos, 'events', 'no-face.jpg'));
  fs.copyFileSync(path.join(IMAGES, 'not-an-image.jpg'), path.join(photos, 'broken.png'));
  // Over the photo size limit, sparse so that it costs no disk: refused by its size before it is read.
  const huge = path.join(photos, 'huge.jpg');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, MAX_FILE_BYTES + 1);
  fs.writeFileSync(path.join(photos, 'notes.txt'), 'not a photo, and not named like one: left alone\n');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('presence cluster --json', () => {
  it("groups each person's photos, leaves the one stranger unclustered and lists the bad files", async () => {
    const { report, out } = await cluster('--json');
    expect(out.trim().split('\n')).toHaveLength(1);
    // Two faces in one photo: each its own member, numbered largest first (Al Gore, then George W Bush).
    expect(report.clusters).toEqual(groups('two-faces.jpg#1'));
    expect(report.unclustered).toEqual(['two-faces.jpg#2']);
    expect(report.faces).toBe(16 + 2);
    expect(report.photos).toBe(16 + 4);
    expect(report.failed.map((f) => [f.photo, f.code])).toEqual([
      ['broken.png', 'IMAGE_UNSUPPORTED'],
      ['events/no-face.jpg', 'NO_FACE'],
      ['huge.jpg', 'IMAGE_TOO_LARGE'],
    ]);
    expect(report.failed[1]!.reason).toBe('No face found in this photo.');
    expect(report.threshold).toBeGreaterThan(0.5);
  });

  it('with --main-face takes one face per photo, named without #k', async () => {
    const { report } = await cluster('--json', '--main-face');
    expect(report.clusters).toEqual(groups('two-faces.jpg'));
    expect(report.unclustered).toEqual([]);
    expect(report.faces).toBe(17);
  });

  it('with a threshold of almost nothing puts no two photos together', async () => {
    const { report } = await cluster('--json', '--threshold', '0.01');
    expect(report.clusters).toEqual([]);
    expect(report.unclustered).toHaveLength(18);
  });
});

describe('presence cluster', () => {
  it('prints the groups largest first, then the unclustered faces, then the photos not used and why', async () => {
    const r = await runPresence(db, ['cluster', photos]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
    expect(lines[0]).toMatch(/^18 faces in 20 photos: 4 groups, 1 unclustered \(threshold \d\.\d{3}, /);
    expect(lines[at('Group 1 ') + 1]).toMatch(/^ {2}toledo\//);
    expect(at('Group 1 (7 faces)')).toBeLessThan(at('Group 2 (4 faces)'));
    expect(at('Group 4 (3 faces)')).toBeLessThan(at('Unclustered (1 face like no other)'));
    expect(lines[at('Unclustered') + 1]).toBe('  two-faces.jpg#2');
    expect(at('Unclustered')).toBeLessThan(at('Not used (3 photos)'));
    expect(lines).toContain('  events/no-face.jpg: No face found in this photo.');
    expect(lines.some((l) => l.startsWith('  broken.png: ') && l.includes('JPEG, PNG or WebP'))).toBe(true);
  });

  it('says so, and fails, for a folder without photos', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(empty, 'sub', 'readme.txt'), 'no photos here');
    const r = await runPresence(db, ['cluster', empty, '--json']);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(
      `presence: ${empty} holds no photos (JPEG or PNG files, in it or in its sub-folders): there is nothing to group.`,
    );
    expect(r.out).toBe('');
  });

  it('refuses a threshold that is no distance between unit vectors', async () => {
    const r = await runPresence(db, ['cluster', photos, '--threshold', '3']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/above 0 and at most 2/);
  });
});
