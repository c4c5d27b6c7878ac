// Issue 12, item 8, "Checked by": with "Require a liveness check" on, the kiosk gives an active
// challenge before it records anyone. In a real Chromium with a fake camera fed by real LFW photos:
// - a still photo of an enrolled person is recognised, asked to turn, and refused: nothing is recorded;
// - the same person's photos at the asked yaws (looking straight, to his left, to his right, over and
//   over, so that whichever order is drawn comes round) pass, and exactly one check-in is recorded.
// The turns are drawn at random by the server; this test does not fix them.
//
// Alejandro Toledo is enrolled with `presence import` from three photos (straight, left, right); the
// still photo is another straight one (test/fixtures/e2e/SOURCE.md).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  ROOT,
  attendanceEvents,
  expectVisible,
  fixture,
  launchBrowser,
  makeCameraVideo,
  openApp,
  printServerOutputOnFailure,
  queryDb,
  requireTools,
  screenshot,
  serve,
  unlockAdmin,
  type Opened,
  type Served,
} from './harness';

const PIN = '2468';
const NAME = 'Alejandro Toledo';
const ENROLL = ['Alejandro_Toledo_0004.jpg', 'Alejandro_Toledo_0020.jpg', 'Alejandro_Toledo_0010.jpg'];
const STILL = 'Alejandro_Toledo_0001.jpg';
/** Straight, turned to his left (yaw +16° from straight), turned to his right (-13°). */
const TURNS = ['Alejandro_Toledo_0001.jpg', 'Alejandro_Toledo_0020.jpg', 'Alejandro_Toledo_0010.jpg'];

describe('The active liveness check at the kiosk (issue 12)', () => {
  let served: Served;
  let videos: { still: string; turning: string };
  const browsers: Browser[] = [];
  printServerOutputOnFailure(() => served);

  async function open(video: string | null): Promise<Opened> {
    const browser = await launchBrowser(video);
    browsers.push(browser);
    return openApp(browser, served);
  }

  /** Settings through the Settings screen, as an administrator would (in a browser without camera). */
  async function settings(patch: { liveness?: boolean; locale?: 'en' | 'zh-CN' }): Promise<void> {
    const admin = await open(null);
    try {
      await unlockAdmin(admin, served, PIN);
      await admin.page.getByTestId('nav-settings').click();
      await expectVisible(admin, served, 'settings-liveness', 'the Settings screen');
      if (patch.liveness !== undefined) await admin.page.getByTestId('settings-liveness').setChecked(patch.liveness);
      if (patch.locale) await admin.page.getByTestId('settings-locale').selectOption(patch.locale);
      await admin.page.getByTestId('settings-save').click();
      await expectVisible(admin, served, 'settings-saved', 'the settings saved note');
    } finally {
      await admin.context.browser()?.close();
    }
  }

  beforeAll(async () => {
    requireTools();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-liveness-'));
    const folder = path.join(dataDir, 'people', NAME.replace(/ /g, '_'));
    fs.mkdirSync(folder, { recursive: true });
    for (const photo of ENROLL) fs.copyFileSync(fixture(photo), path.join(folder, photo));
    const imported = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'presence.cjs'),
        '--db',
        path.join(dataDir, 'presence.db'),
        'import',
        '--consent-recorded-by',
        'E2E test administrator',
        path.dirname(folder),
      ],
      { encoding: 'utf8', env: { ...process.env, PRESENCE_DATA_DIR: dataDir }, timeout: 300_000 },
    );
    expect(imported.status, `presence import failed:\n${imported.stdout}${imported.stderr}`).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-video-'));
    videos = {
      still: makeCameraVideo([fixture(STILL)], path.join(dir, 'still.y4m'), 40),
      // Five rounds of straight, left, right: a person answering the prompt, whichever order it asks.
      turning: makeCameraVideo(
        Array.from({ length: 5 }, () => TURNS.map(fixture)).flat(),
        path.join(dir, 'turning.y4m'),
        1.5,
      ),
    };
    served = await serve(dataDir);
    await settings({ liveness: true });
    expect(queryDb(served, "SELECT value FROM settings WHERE key = 'livenessRequired'")).toEqual([{ value: 'true' }]);
  });

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await served?.stop();
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`refuses a still photo: asked to turn, then "not recorded", and nothing is written (${locale})`, async () => {
      if (locale === 'zh-CN') await settings({ locale });
      const opened = await open(videos.still);
      const { page } = opened;
      try {
        await expectVisible(opened, served, 'kiosk-challenge', 'the turn-your-head prompt', 60_000);
        expect(await page.getByTestId('greeting').count(), 'no greeting before the check').toBe(0);
        await screenshot(page, `issue12-e1-liveness-challenge-${locale}`);
        if (locale === 'en') expect(await page.getByTestId('challenge-turn').innerText()).toMatch(/^Turn your head/);
        await page.setViewportSize({ width: 800, height: 1280 });
        await screenshot(page, `issue12-e1-liveness-challenge-${locale}-portrait`);
        await page.setViewportSize({ width: 1280, height: 800 });
        // The photo cannot turn: the time runs out (7 s) and the screen says nothing was recorded.
        await page
          .getByTestId('kiosk-guidance')
          .filter({ hasText: locale === 'en' ? 'Not recorded' : '未记录' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        await screenshot(page, `issue12-e2-liveness-refused-${locale}`);
        // And again on the next try: watched for a while longer, the photo is never greeted.
        await page.waitForTimeout(8_000);
        expect(await page.getByTestId('greeting').count()).toBe(0);
        expect(attendanceEvents(served), 'a still photo records nothing').toEqual([]);
      } finally {
        await opened.context.browser()?.close();
      }
    });
  }

  it("passes the same person's photos at the asked yaws, and records exactly one check-in", async () => {
    await settings({ locale: 'en' });
    const opened = await open(videos.turning);
    const { page } = opened;
    try {
      await expectVisible(opened, served, 'kiosk-challenge', 'the turn-your-head prompt', 60_000);
      await expectVisible(opened, served, 'greeting', 'the greeting once both turns are seen', 30_000);
      expect(await page.getByTestId('greeting-name').innerText()).toBe(NAME);
      await screenshot(page, 'issue12-e3-liveness-passed-en');
      const events = attendanceEvents(served);
      expect(events).toHaveLength(1);
      expect(events[0]!.kind).toBe('in');
      const [row] = queryDb<{ liveness: number }>(served, 'SELECT liveness FROM attendance_events');
      expect(row!.liveness, 'the passive score is kept as the second signal').toBeGreaterThanOrEqual(0.5);
    } finally {
      await opened.context.browser()?.close();
    }
  });
});
