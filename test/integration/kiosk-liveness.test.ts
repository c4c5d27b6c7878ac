// The kiosk's active liveness check through the real services, the real engine and models, on real LFW
// photos placed in camera-sized frames, with a real SQLite file: with "Require a liveness check" on, a
// still photo is recognised but never recorded, and the same person's photos at the asked yaws are.
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbaFrame } from '../../src/shared/face';
import type { KioskFrameResult } from '../../src/shared/types';
import { createInProcessEngine } from '../../src/main/engine/engine';
import type { FaceEngine } from '../../src/main/engine';
import { KioskService } from '../../src/main/domain/kiosk';
import { CHALLENGE_FAILED_HOLD_MS, CHALLENGE_STEP_MS } from '../../src/main/domain/liveness-challenge';
import { tempApp, type TempApp } from '../helpers/temp-app';
import { frameOf } from '../helpers/camera-frame';

const PHOTOS = path.resolve(__dirname, '../fixtures/e2e');
const photo = (name: string) => path.join(PHOTOS, name);

let engine: FaceEngine;
let t: TempApp;
let clock = Date.parse('2026-11-30T08:00:00Z');
let kiosk: KioskService;
/** Alejandro Toledo looking straight (a photo not enrolled), turned to his left, turned to his right. */
let front: RgbaFrame;
let left: RgbaFrame;
let right: RgbaFrame;

beforeAll(async () => {
  engine = createInProcessEngine();
  t = tempApp({ engine, now: () => clock });
  await t.app.startEngine();
  t.app.updateSettings({ timeZone: 'UTC', livenessRequired: true }, 'admin');
  const toledo = t.app.people.create({ name: 'Alejandro Toledo' }, 'admin').id;
  const enrolled = await t.app.enrollment.importPhotos({
    target: { personId: toledo },
    photos: ['Alejandro_Toledo_0004.jpg', 'Alejandro_Toledo_0020.jpg', 'Alejandro_Toledo_0010.jpg'].map((name) => ({
      name,
      read: () => Promise.resolve(new Uint8Array(fs.readFileSync(photo(name)))),
    })),
    consent: { given: true, by: 'test administrator', textVersion: 1 },
    source: 'import',
    actor: 'admin',
  });
  expect(enrolled.commit?.added).toBe(3);
  [front, left, right] = await Promise.all(
    ['Alejandro_Toledo_0001.jpg', 'Alejandro_Toledo_0020.jpg', 'Alejandro_Toledo_0010.jpg'].map((n) =>
      frameOf(photo(n)),
    ),
  );
  // The app's own kiosk, but with the turns fixed (left, then right) so the test knows what is asked.
  kiosk = new KioskService({
    engine: t.app.engine,
    identify: t.app.identify,
    store: t.app.store,
    settings: () => t.app.settings(),
    now: () => clock,
    challengeTurns: () => ['left', 'right'],
  });
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
});

const events = () => t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });

async function show(frame: RgbaFrame, ms = 200): Promise<KioskFrameResult> {
  clock += ms;
  return kiosk.frame(frame);
}

/** Front frames until the kiosk asks for the first turn (the passive score passed on the way). */
async function untilChallenge(): Promise<KioskFrameResult> {
  let r = await show(front);
  for (let i = 0; i < 6 && r.state !== 'challenge'; i++) r = await show(front);
  return r;
}

describe('the active liveness check at the kiosk', () => {
  it('refuses a still photo: recognised, asked to turn, never recorded', async () => {
    const asked = await untilChallenge();
    expect(asked.state).toBe('challenge');
    expect(asked.challenge).toMatchObject({ turn: 'left', step: 1, steps: 2 });
    expect(asked.greeting).toBeNull();

    let r = asked;
    for (let waited = 0; waited <= CHALLENGE_STEP_MS && r.state === 'challenge'; waited += 500)
      r = await show(front, 500);
    expect(r.state).toBe('guidance');
    expect(r.guidance).toEqual(['challenge_failed']);
    expect(events()).toHaveLength(0);
    // For a moment the screen keeps saying so, and looks at nobody.
    expect((await show(front, 500)).guidance).toEqual(['challenge_failed']);
    expect(events()).toHaveLength(0);
  });

  it("passes the same person's photos at the asked yaws, and records the check-in with its liveness score", async () => {
    clock += CHALLENGE_FAILED_HOLD_MS;
    expect((await untilChallenge()).challenge?.turn).toBe('left');
    // Each turn is held for a moment, as a person does: between the detector's runs (every fifth frame,
    // engine/tracker.ts) the face is followed from the frame before, whose landmarks lag an abrupt change.
    let second = await show(left);
    for (let i = 0; i < 5 && second.challenge?.step === 1; i++) second = await show(left);
    expect(second.state).toBe('challenge');
    expect(second.challenge).toMatchObject({ turn: 'right', step: 2 });
    expect(events()).toHaveLength(0);
    let done = await show(right);
    for (let i = 0; i < 5 && done.state === 'challenge'; i++) done = await show(right);
    expect(done.state).toBe('recognised');
    expect(done.greeting).toMatchObject({ name: 'Alejandro Toledo', kind: 'in' });
    const recorded = events();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.liveness).toBeGreaterThanOrEqual(0.5);
  });

  it('spares someone just recorded the check: a pass within the cooldown is greeted, and writes nothing', async () => {
    kiosk.reset();
    clock += 30_000; // inside the cooldown
    const before = events().length;
    const states: string[] = [];
    let r = await show(front);
    for (let i = 0; i < 6 && r.state !== 'recognised'; i++) {
      states.push(r.state);
      r = await show(front);
    }
    expect(states).not.toContain('challenge');
    expect(r.greeting).toMatchObject({ recorded: false, reason: 'within_cooldown' });
    expect(events()).toHaveLength(before);
  });

  it('a turn the wrong way and back does not count; the check fails in time and records nothing', async () => {
    kiosk.reset(); // the screen was left: the next run starts afresh
    clock += 60 * 60_000; // past the cooldown and the minimum time to a check-out
    const before = events().length;
    expect((await untilChallenge()).challenge?.turn).toBe('left');
    for (const frame of [right, front, right, front]) {
      const r = await show(frame, 500);
      expect(r.state).toBe('challenge');
      expect(r.challenge?.step).toBe(1);
    }
    let r = await show(front, 500);
    for (let i = 0; i < 20 && r.state === 'challenge'; i++) r = await show(front, 500);
    expect(r.guidance).toEqual(['challenge_failed']);
    expect(events()).toHaveLength(before);
  });

  it('lets nobody wait in a check once liveness is turned off', async () => {
    kiosk.reset();
    clock += 60 * 60_000;
    const before = events().length;
    expect((await untilChallenge()).state).toBe('challenge');
    t.app.updateSettings({ livenessRequired: false }, 'admin');
    let r = await show(front);
    for (let i = 0; i < 5 && r.state !== 'recognised'; i++) r = await show(front);
    expect(r.state).toBe('recognised');
    expect(events()).toHaveLength(before + 1);
    t.app.updateSettings({ livenessRequired: true }, 'admin');
  });
});
