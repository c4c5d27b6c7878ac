// Enrollment under load and on re-runs, through the real services, the real engine and models, on real
// LFW photos, with a real SQLite file: a burst of camera frames must not queue up in the engine, and a
// folder import must give on its first run the result a second run would give.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RgbaFrame } from '../../src/shared/face';
import { MAX_CAPTURE_SESSIONS } from '../../src/main/domain/enrollment';
import { main } from '../../src/cli/program';
import { PresenceApp } from '../../src/main/app';
import { appOn, tempApp, type TempApp } from '../helpers/temp-app';
import { frameOf } from '../helpers/camera-frame';

const FACES = path.resolve(__dirname, '../fixtures/faces');

describe('enroll.capture under a burst of frames', () => {
  let t: TempApp;
  let frame: RgbaFrame;

  beforeAll(async () => {
    t = tempApp();
    await t.app.startEngine();
    frame = await frameOf(path.join(FACES, 'George_W_Bush_0001.jpg'));
  });

  afterAll(async () => {
    await t.cleanup();
  });

  it('judges only the newest frame of a session while one is in the engine', async () => {
    const analyze = vi.spyOn(t.app.engine, 'analyze');
    const session = randomUUID();
    const burst = Array.from({ length: 40 }, () => t.app.enrollment.capture(frame, undefined, session));
    const results = await Promise.all(burst);
    // The first frame went in at once, the last one replaced every frame waiting behind it.
    expect(analyze).toHaveBeenCalledTimes(2);
    expect(results[0]).toMatchObject({ accepted: true, face: expect.anything() });
    expect(results[39]).toMatchObject({ accepted: true, face: expect.anything() });
    for (const r of results.slice(1, 39)) expect(r).toMatchObject({ accepted: false, shotId: null, face: null });
    t.app.enrollment.discard(results.flatMap((r) => (r.shotId ? [r.shotId] : [])));
    analyze.mockRestore();
  });

  it('refuses frames of more capture sessions at once than it serves, with KIOSK_BUSY, then serves again', async () => {
    const analyze = vi.spyOn(t.app.engine, 'analyze');
    const burst = Array.from({ length: MAX_CAPTURE_SESSIONS + 6 }, () =>
      t.app.enrollment.capture(frame, undefined, randomUUID()).then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
    );
    const settled = await Promise.all(burst);
    expect(analyze).toHaveBeenCalledTimes(MAX_CAPTURE_SESSIONS);
    const refused = settled.filter((s) => !s.ok);
    expect(refused).toHaveLength(6);
    for (const s of refused) expect(s.e).toMatchObject({ code: 'KIOSK_BUSY' });
    const again = await t.app.enrollment.capture(frame, undefined, randomUUID());
    expect(again.accepted).toBe(true);
    t.app.enrollment.discard([
      ...settled.flatMap((s) => (s.ok && s.r.shotId ? [s.r.shotId] : [])),
      ...(again.shotId ? [again.shotId] : []),
    ]);
    analyze.mockRestore();
  });
});

describe('presence import run twice', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-import-'));
    db = path.join(dir, 'presence.db');
    // Two people who are one real person (Aaron Peirsol): "Aaron A" from one photo, then "Aaron B" from two
    // others. With this threshold and margin, B's first photo alone looks like A (0.60 from A, within
    // 0.65), while B's second photo does not (0.69); beside B's second photo (0.67 away) it is too close
    // to call between A and B, so once B is enrolled it is no longer held back as A.
    const people = path.join(dir, 'import');
    fs.mkdirSync(path.join(people, 'Aaron_A'), { recursive: true });
    fs.mkdirSync(path.join(people, 'Aaron_B'), { recursive: true });
    fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0001.jpg'), path.join(people, 'Aaron_A', 'a1.jpg'));
    fs.copyFileSync(path.join(FACES, 'Aaron_Peirsol_0002.jpg'), path.join(people, 'Aaron_B', 'b1.jpg'));
    // The 150 px LFW original is too small to enroll; enlarged, it is the same face.
    await sharp(path.join(FACES, 'raw150_Aaron_Peirsol_0003.jpg'))
      .resize(300, 300)
      .jpeg({ quality: 95 })
      .toFile(path.join(people, 'Aaron_B', 'b2.jpg'));
    const app = openDb(db);
    app.updateSettings({ threshold: 0.65, margin: 0.1 }, 'admin');
    await app.close();
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const openDb = (databasePath: string): PresenceApp => appOn(databasePath);

  async function importFolder(): Promise<number> {
    const quiet = [
      vi.spyOn(console, 'log').mockImplementation(() => {}),
      vi.spyOn(console, 'error').mockImplementation(() => {}),
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
    ];
    try {
      return await main([
        'node',
        'presence',
        '--db',
        db,
        'import',
        '--consent-recorded-by',
        'Test admin',
        path.join(dir, 'import'),
      ]);
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }
  }

  async function templateCounts(): Promise<Record<string, number>> {
    const app = openDb(db);
    try {
      return Object.fromEntries(app.people.list().map((p) => [p.name, p.templateCount]));
    } finally {
      await app.close();
    }
  }

  it('gives its final result on the first run: the second adds nothing', async () => {
    await importFolder();
    const first = await templateCounts();
    expect(first).toEqual({ 'Aaron A': 1, 'Aaron B': 2 });
    await importFolder();
    expect(await templateCounts()).toEqual(first);
  });
});
