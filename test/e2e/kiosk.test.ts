// Issue 4, item 7: the kiosk and the enrollment wizard in a real browser with a fake camera, against one
// `presence serve` and one database for the whole file (tests run in order and build on each other):
//   (a) enroll person A (Alejandro Toledo) through the wizard from the camera: five poses from five real
//       photos;
//   (b) person A, other photos than at enrollment: greeted by name, exactly one check-in; a second pass
//       inside the cooldown is greeted as already recorded and records nothing more;
//   (c) person B (Angelina Jolie), never enrolled: "not recognised", never greeted, nothing recorded;
//   (e) the CSV export holds A's check-in;
//   (d) no camera at all: the kiosk says so;
//   the greeting once more in Simplified Chinese, for the screenshots; and, with the cooldown set to 0,
//   A's next pass is a check-out.
// The database file is read (read-only) as the truth about what was recorded.
// (c) runs after (b), so that if B is ever taken for A it shows up in (c) (B greeted as A) and cannot
// spoil A's check-in count in (b); within A's cooldown such a false match would not be recorded, so (c)
// checks what the screen says, not only the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  attendanceEvents,
  expectVisible,
  failure,
  fixture,
  hasChineseFont,
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

const PIN = '1357';
const A = 'Alejandro Toledo';
// Poses as the engine measures them in these photos on the 640x480 camera frame (see SOURCE.md).
// The wizard judges the turned poses relative to the straight shot (src/main/domain/enroll-pose.ts poseOf).
const ENROLL_PHOTOS = {
  front: 'Alejandro_Toledo_0004.jpg',
  left: 'Alejandro_Toledo_0020.jpg',
  right: 'Alejandro_Toledo_0010.jpg',
  up: 'Alejandro_Toledo_0008.jpg',
  down: 'Alejandro_Toledo_0024.jpg',
};
const KIOSK_PHOTOS_A = ['Alejandro_Toledo_0001.jpg', 'Alejandro_Toledo_0007.jpg'];
const KIOSK_PHOTOS_B = ['Angelina_Jolie_0002.jpg', 'Angelina_Jolie_0006.jpg'];

describe('Kiosk and enrollment through the browser with a fake camera (issue 4)', () => {
  let served: Served;
  let videos: { enroll: string; a: string; b: string };
  const browsers: Browser[] = [];
  printServerOutputOnFailure(() => served);

  async function open(video: string | null, search = ''): Promise<Opened> {
    const browser = await launchBrowser(video);
    browsers.push(browser);
    return openApp(browser, served, 'en-GB', search);
  }

  async function close(opened: Opened): Promise<void> {
    await opened.context.browser()?.close();
  }

  /** Changes settings through the Settings screen as an administrator would (in a browser without camera). */
  async function changeSettings(
    patch: { locale?: 'en' | 'zh-CN'; cooldownMinutes?: number },
    then?: (admin: Opened) => Promise<void>,
  ): Promise<void> {
    const admin = await open(null);
    try {
      await unlockAdmin(admin, served, PIN);
      await admin.page.getByTestId('nav-settings').click();
      await expectVisible(admin, served, 'settings-locale', 'the Settings screen');
      if (patch.locale) await admin.page.getByTestId('settings-locale').selectOption(patch.locale);
      if (patch.cooldownMinutes !== undefined) {
        await admin.page.getByTestId('settings-cooldown').fill(String(patch.cooldownMinutes));
      }
      await admin.page.getByTestId('settings-save').click();
      await expectVisible(admin, served, 'settings-saved', 'the settings saved note');
      const stored = queryDb<{ key: string; value: string }>(served, 'SELECT key, value FROM settings');
      if (patch.locale) expect(stored).toContainEqual({ key: 'locale', value: JSON.stringify(patch.locale) });
      await then?.(admin);
    } finally {
      await close(admin);
    }
  }

  beforeAll(async () => {
    requireTools();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-video-'));
    // The wizard asks front, left, right, up, down in that order: the slideshow shows them in that order.
    videos = {
      enroll: makeCameraVideo(Object.values(ENROLL_PHOTOS).map(fixture), path.join(dir, 'enroll-a.y4m'), 2),
      // A steps up, shows two photos' worth of face, walks away (empty frame), comes back.
      a: makeCameraVideo([...KIOSK_PHOTOS_A.map(fixture), null], path.join(dir, 'kiosk-a.y4m'), 3),
      b: makeCameraVideo([...KIOSK_PHOTOS_B.map(fixture), null], path.join(dir, 'kiosk-b.y4m'), 3),
    };
    served = await serve();
  });

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await served?.stop();
  });

  it('(a) enrolls A through the wizard: person, consent, five poses from the camera, save', async () => {
    const opened = await open(videos.enroll);
    const { page } = opened;
    try {
      expect(await unlockAdmin(opened, served, PIN)).toBe('set');
      await page.getByTestId('nav-enroll').click();
      await expectVisible(opened, served, 'enroll-name', 'the wizard asking for the person');
      await page.getByTestId('enroll-name').fill(A);
      await page.getByTestId('enroll-person-next').click();

      await expectVisible(opened, served, 'consent-checkbox', 'the consent step');
      expect(await page.getByTestId('consent-next').isDisabled(), 'no camera before consent is recorded').toBe(true);
      await page.getByTestId('consent-checkbox').check();
      await page.getByTestId('consent-by').fill('E2E test administrator');
      await page.getByTestId('consent-next').click();

      await expectVisible(opened, served, 'capture-instruction', 'the capture step with a pose instruction');
      await screenshot(page, 'issue4-a1-enroll-capture');
      const kept = page.locator('[data-testid="shot"][data-kept="true"]');
      const deadline = Date.now() + 120_000;
      while ((await kept.count()) < 5) {
        if (Date.now() > deadline) {
          const poses = await kept.evaluateAll((els) => els.map((e) => e.getAttribute('data-pose')));
          const asked = await page
            .getByTestId('capture-instruction')
            .getAttribute('data-pose')
            .catch(() => null);
          throw await failure(
            opened,
            served,
            `Expected all five poses to be kept within 120 s; kept [${poses.join(', ')}], still asking for "${asked}". ` +
              'Either the engine now measures another pose in a fixture photo (see SOURCE.md) or capture is stuck.',
          );
        }
        await page.waitForTimeout(250);
      }
      await screenshot(page, 'issue4-a2-enroll-all-poses');

      await page.getByTestId('capture-next').click();
      await expectVisible(opened, served, 'enroll-save', 'the review step');
      expect(await page.getByTestId('review-name').innerText()).toBe(A);
      await screenshot(page, 'issue4-a3-enroll-review');
      await page.getByTestId('enroll-save').click();
      await expectVisible(opened, served, 'enroll-done', 'the saved confirmation', 15_000);
      await screenshot(page, 'issue4-a4-enroll-done');

      await page.getByTestId('enroll-to-people').click();
      const row = page.getByTestId('person-row').filter({ hasText: A });
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await row.getByTestId('person-templates').innerText(), 'five templates listed for A').toBe('5');
      await screenshot(page, 'issue4-a5-people-enrolled');

      const templates = queryDb<{ pose: string; source: string }>(
        served,
        `SELECT t.pose, t.source FROM face_templates t JOIN people p ON p.id = t.person_id WHERE p.name = ?`,
        A,
      );
      expect(templates.map((t) => t.pose).sort()).toEqual(['down', 'front', 'left', 'right', 'up']);
      expect(templates.every((t) => t.source === 'camera')).toBe(true);
      const consent = queryDb<{ consent_by: string | null }>(served, 'SELECT consent_by FROM people WHERE name = ?', A);
      expect(consent).toEqual([{ consent_by: 'E2E test administrator' }]);
      // Leave the admin side locked, as an administrator would.
      await page.getByTestId('admin-lock').click();
    } finally {
      await close(opened);
    }
  });

  it('(b) greets A by name and records exactly one check-in; a second pass within the cooldown records nothing more', async () => {
    const opened = await open(videos.a);
    const { page } = opened;
    try {
      const started = Date.now();
      await expectVisible(opened, served, 'greeting', `a greeting for ${A}`, 60_000);
      const firstGreetingMs = Date.now() - started;
      expect(await page.getByTestId('greeting-name').innerText()).toBe(A);
      expect(await page.getByTestId('greeting').getAttribute('data-kind')).toBe('in');
      expect(await page.getByTestId('greeting-kind').innerText()).toContain('Checked in');
      expect(await page.getByTestId('greeting-already').count(), 'the first pass is recorded').toBe(0);
      await screenshot(page, 'issue4-b1-kiosk-greeting-en');

      const events = attendanceEvents(served);
      expect(
        events.map((e) => ({ name: e.name, kind: e.kind })),
        'exactly one check-in for A',
      ).toEqual([{ name: A, kind: 'in' }]);

      // The greeting goes away by itself; A walks away and comes back within the 2-minute cooldown.
      await page.getByTestId('greeting').waitFor({ state: 'detached', timeout: 15_000 });
      await expectVisible(opened, served, 'greeting-already', 'the second greeting saying "already recorded"', 60_000);
      expect(await page.getByTestId('greeting-name').innerText()).toBe(A);
      await screenshot(page, 'issue4-b2-kiosk-greeting-already-recorded');
      expect(attendanceEvents(served).length, 'the second pass inside the cooldown records nothing more').toBe(1);
      console.log(`kiosk: first greeting ${firstGreetingMs} ms after the page opened (includes camera start-up)`);
    } finally {
      await close(opened);
    }
  });

  it('(c) says "not recognised" to B, who is not enrolled, and records nothing', async () => {
    const opened = await open(videos.b);
    const { page } = opened;
    try {
      const shown = page.getByTestId('greeting-not-recognised').or(page.getByTestId('greeting'));
      try {
        await shown.first().waitFor({ state: 'visible', timeout: 60_000 });
      } catch {
        throw await failure(
          opened,
          served,
          'Expected the kiosk to answer B within 60 s ("not recognised"); it showed nothing.',
        );
      }
      await assertNotGreeted();
      await screenshot(page, 'issue4-c-kiosk-not-recognised');
      // Watch one more full loop of the video (B twice, then nobody): B must never be greeted as someone.
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        await assertNotGreeted();
        await page.waitForTimeout(100);
      }
      expect(
        attendanceEvents(served).map((e) => e.name),
        "nothing is recorded for a stranger: still only A's check-in",
      ).toEqual([A]);

      async function assertNotGreeted(): Promise<void> {
        if ((await page.getByTestId('greeting').count()) === 0) return;
        const name = await page
          .getByTestId('greeting-name')
          .innerText()
          .catch(() => '?');
        const already = (await page.getByTestId('greeting-already').count()) > 0;
        throw await failure(
          opened,
          served,
          `B (Angelina Jolie, never enrolled) was greeted as "${name}"${already ? ' (within the cooldown, so not recorded again)' : ''}. ` +
            `The match threshold in force accepts a stranger. Events: ${JSON.stringify(attendanceEvents(served))}`,
        );
      }
    } finally {
      await close(opened);
    }
  });

  it("(e) exports A's check-in as CSV from the Attendance screen", async () => {
    const opened = await open(null);
    const { page } = opened;
    try {
      await unlockAdmin(opened, served, PIN);
      await page.getByTestId('nav-attendance').click();
      await expectVisible(opened, served, 'export-csv', 'the Attendance screen');
      const todayRow = page.getByTestId('today-row').filter({ hasText: A });
      await todayRow.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot(page, 'issue4-e1-attendance');

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 15_000 }),
        page.getByTestId('export-csv').click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      const file = path.join(served.dataDir, download.suggestedFilename());
      await download.saveAs(file);
      const csv = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      const [header, ...rows] = csv.trim().split(/\r?\n/);
      expect(header).toBe('date,time,time_utc,person,person_id,kind,station,distance,liveness');
      const event = attendanceEvents(served)[0]!;
      expect(rows, 'one row: A checked in').toHaveLength(1);
      const cells = rows[0]!.split(',');
      expect(cells[3]).toBe(A);
      expect(cells[4]).toBe(event.person_id);
      expect(cells[5]).toBe('in');
      expect(cells[2]).toBe(event.at);
      fs.copyFileSync(
        file,
        path.join(path.dirname(await screenshot(page, 'issue4-e2-attendance-exported')), 'issue4-e-export.csv'),
      );
    } finally {
      await close(opened);
    }
  });

  it('(d) with no camera, the kiosk says so clearly', async () => {
    const opened = await open(null);
    const { page } = opened;
    try {
      await expectVisible(opened, served, 'camera-error', 'the no-camera message', 20_000);
      expect(await page.getByTestId('camera-error').getAttribute('data-code')).toBe('NO_CAMERA');
      expect(await page.getByTestId('camera-error').innerText()).toContain('No camera found');
      expect(await page.getByTestId('kiosk-state').getAttribute('data-state')).toBe('camera-error');
      await screenshot(page, 'issue4-d-kiosk-no-camera');
    } finally {
      await close(opened);
    }
  });

  it('greets A in Simplified Chinese once the station language is zh-CN (screenshots for review)', async () => {
    if (!hasChineseFont()) {
      console.warn(
        'No Simplified Chinese font is installed (apt-get install fonts-noto-cjk): the zh-CN screenshots will show empty boxes.',
      );
    }
    // A long cooldown keeps this third pass a greeting of an already recorded check-in.
    await changeSettings({ locale: 'zh-CN', cooldownMinutes: 30 }, async (admin) => {
      await admin.page.getByTestId('nav-kiosk').click();
      await expectVisible(admin, served, 'camera-error', 'the no-camera message in Chinese');
      expect(await admin.page.getByTestId('camera-error').innerText()).toContain('未找到摄像头');
      await screenshot(admin.page, 'issue4-zh-kiosk-no-camera');
    });

    const opened = await open(videos.a);
    const { page } = opened;
    try {
      await expectVisible(opened, served, 'greeting', `a greeting for ${A} in Chinese`, 60_000);
      expect(await page.getByTestId('greeting-name').innerText()).toBe(A);
      expect(await page.getByTestId('greeting-kind').innerText()).toContain('签到成功');
      await screenshot(page, 'issue4-zh-kiosk-greeting');
      expect(attendanceEvents(served).length, 'still one event').toBe(1);
    } finally {
      await close(opened);
    }
  });

  it("after the cooldown, A's next pass is recorded as a check-out, under the name of the screen's own door", async () => {
    await changeSettings({ locale: 'en', cooldownMinutes: 0 });
    // A second screen on the same server, opened at its own address, names its door.
    const opened = await open(videos.a, '?station=Back%20door');
    const { page } = opened;
    try {
      expect(await page.getByTestId('kiosk-station').innerText()).toBe('Back door');
      await expectVisible(opened, served, 'greeting', `a greeting for ${A}`, 60_000);
      expect(await page.getByTestId('greeting-name').innerText()).toBe(A);
      expect(await page.getByTestId('greeting').getAttribute('data-kind')).toBe('out');
      expect(await page.getByTestId('greeting-kind').innerText()).toContain('Checked out');
      expect(await page.getByTestId('greeting-already').count(), 'a check-out is recorded').toBe(0);
      await screenshot(page, 'issue4-b3-kiosk-checked-out');
      expect(attendanceEvents(served).map((e) => [e.kind, e.station])).toEqual([
        ['in', 'Station 1'],
        ['out', 'Back door'],
      ]);
    } finally {
      await close(opened);
    }
  });
});
