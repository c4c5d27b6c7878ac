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
  expectEventually,
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
    patch: {
      locale?: 'en' | 'zh-CN';
      cooldownMinutes?: number;
      minInOutMinutes?: number;
      mode?: 'alternate' | 'explicit';
    },
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
      if (patch.mode === 'explicit') await admin.page.getByTestId('settings-mode-explicit').check();
      if (patch.mode === 'alternate') await admin.page.getByTestId('settings-mode-alternate').check();
      if (patch.minInOutMinutes !== undefined) {
        await admin.page.getByTestId('settings-min-in-out').fill(String(patch.minInOutMinutes));
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

  /** Opens A's face templates from the People list: five shots, each with its face chip, then closes it. */
  async function templatesDialog(opened: Opened, shot: string): Promise<void> {
    const { page } = opened;
    await page.getByTestId('person-row').filter({ hasText: A }).getByTestId('person-templates').click();
    await expectVisible(opened, served, 'templates-dialog', "A's face templates");
    await expectEventually(
      opened,
      served,
      async () =>
        (await page
          .getByTestId('template-chip')
          .evaluateAll(
            (imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length,
          )) === 5,
      "five loaded face chips in A's templates",
    );
    expect(await page.getByTestId('template-row').count()).toBe(5);
    await screenshot(page, shot);
    await page.getByTestId('templates-close').click();
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
      await templatesDialog(opened, 'issue12-d1-people-templates-en');

      const templates = queryDb<{ pose: string; source: string }>(
        served,
        `SELECT t.pose, t.source FROM face_templates t JOIN people p ON p.id = t.person_id WHERE p.name = ?`,
        A,
      );
      expect(templates.map((t) => t.pose).sort()).toEqual(['down', 'front', 'left', 'right', 'up']);
      expect(templates.every((t) => t.source === 'camera')).toBe(true);
      // Issue 14: consent is an event with the method and the version of the consent text shown.
      const consent = queryDb<{ recorded_by: string; method: string; text_version: number | null }>(
        served,
        `SELECT c.recorded_by, c.method, c.text_version FROM consent_events c JOIN people p ON p.id = c.person_id
         WHERE p.name = ? AND c.kind = 'given'`,
        A,
      );
      expect(consent).toEqual([{ recorded_by: 'E2E test administrator', method: 'screen', text_version: 1 }]);
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
      // Alternate mode says from when a pass checks out (30 minutes after the check-in by default).
      expect(await page.getByTestId('greeting-next').innerText()).toMatch(/checks you out/);
      expect(await page.getByTestId('greeting-undo').innerText()).toBe('Not you?');
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

      const exported = async (testid: string): Promise<string[]> => {
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 15_000 }),
          page.getByTestId(testid).click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/\.csv$/);
        const file = path.join(served.dataDir, download.suggestedFilename());
        await download.saveAs(file);
        fs.copyFileSync(
          file,
          path.join(path.dirname(await screenshot(page, 'issue4-e2-attendance-exported')), `issue4-e-${testid}.csv`),
        );
        const lines = fs
          .readFileSync(file, 'utf8')
          .replace(/^\uFEFF/, '')
          .trim()
          .split(/\r?\n/);
        // The table ends at the blank row; the audit log's head comes after it.
        const blank = lines.findIndex((l) => /^,+$/.test(l));
        expect(blank, 'a blank row, then the audit log head').toBeGreaterThan(0);
        expect(lines[blank + 2]).toMatch(/^Audit log head,[0-9a-f]{64},/);
        return lines.slice(0, blank);
      };
      const [header, ...rows] = await exported('export-events-csv');
      expect(header).toBe(
        'date,time,time_utc,person,external_id,person_id,kind,station,distance,liveness,source,corrected,reason',
      );
      const event = attendanceEvents(served)[0]!;
      expect(rows, 'one row: A checked in').toHaveLength(1);
      const cells = rows[0]!.split(',');
      expect(cells[3]).toBe(A);
      expect(cells[5]).toBe(event.person_id);
      expect(cells[6]).toBe('in');
      expect(cells[2]).toBe(event.at);
      expect(cells[10]).toBe('kiosk');

      const [sheetHeader, ...sheet] = await exported('export-csv');
      expect(sheetHeader).toBe('external_id,name,date,first_in,last_out,worked_hours,break_hours,flags');
      expect(
        sheet.map((l) => l.split(',')[1]),
        "A's day, then A's total",
      ).toEqual([A, A]);
      expect(sheet[1]!.split(',')[2]).toBe('total');
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
      await admin.page.getByTestId('nav-people').click();
      await templatesDialog(admin, 'issue12-d2-people-templates-zh');
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
    await changeSettings({ locale: 'en', cooldownMinutes: 0, minInOutMinutes: 0 });
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
  it('"Not you?" voids the punch just recorded and asks A to look again or see an administrator', async () => {
    const opened = await open(videos.a, '?station=Back%20door');
    const { page } = opened;
    try {
      await expectVisible(opened, served, 'greeting-undo', 'the "Not you?" button on a greeting', 60_000);
      const before = attendanceEvents(served).length;
      await screenshot(page, 'issue12-a1-kiosk-not-you');
      await page.getByTestId('greeting-undo').click();
      await expectVisible(opened, served, 'greeting-voided', 'the cancelled greeting');
      expect(await page.getByTestId('greeting-voided').innerText()).toMatch(/see an administrator/);
      await screenshot(page, 'issue12-a2-kiosk-voided');
      expect(attendanceEvents(served).length, 'the voided punch left the records').toBe(before - 1);
      const voided = queryDb<{ action: string; actor: string }>(
        served,
        "SELECT action, actor FROM audit_log WHERE action = 'attendance.void'",
      );
      expect(voided).toEqual([{ action: 'attendance.void', actor: 'kiosk' }]);
    } finally {
      await close(opened);
    }
  });

  it('in explicit mode A taps Break on large buttons and Break is recorded, in English and Chinese', async () => {
    await changeSettings({ mode: 'explicit' });
    for (const locale of ['en', 'zh-CN'] as const) {
      if (locale === 'zh-CN') await changeSettings({ locale: 'zh-CN' });
      const opened = await open(videos.a);
      const { page } = opened;
      try {
        await expectVisible(opened, served, 'kiosk-choice', 'the In / Out / Break choice', 60_000);
        expect(await page.getByTestId('choice-name').innerText()).toBe(A);
        const box = await page.getByTestId('choice-break').boundingBox();
        expect(box!.height, 'large enough to touch').toBeGreaterThanOrEqual(64);
        await screenshot(page, `issue12-b1-kiosk-choice-${locale}`);
        await page.setViewportSize({ width: 800, height: 1280 });
        await screenshot(page, `issue12-b1-kiosk-choice-${locale}-portrait`);
        const before = attendanceEvents(served).length;
        await page.getByTestId('choice-break').click();
        await expectVisible(opened, served, 'greeting', 'the greeting after the choice');
        expect(await page.getByTestId('greeting').getAttribute('data-kind')).toBe('break');
        await screenshot(page, `issue12-b2-kiosk-break-${locale}-portrait`);
        const events = attendanceEvents(served);
        expect(events.length).toBe(before + 1);
        expect(events.at(-1)!.kind).toBe('break');
      } finally {
        await close(opened);
      }
    }
    await changeSettings({ locale: 'en', mode: 'alternate' });
  });

  it('the administrator deletes a wrong punch and adds a missed one, each with a reason, in the audit log', async () => {
    const opened = await open(null);
    const { page } = opened;
    try {
      await unlockAdmin(opened, served, PIN);
      await page.getByTestId('nav-attendance').click();
      await expectVisible(opened, served, 'report-row', 'the report rows');
      expect(await page.getByTestId('attendance-zone').innerText()).toMatch(/^Times in /);
      await page.getByTestId('report-punches').first().click();
      await expectVisible(opened, served, 'punch-row', "A's punches");
      const punches = await page.getByTestId('punch-row').count();
      const breaks = attendanceEvents(served).filter((e) => e.kind === 'break').length;
      expect(breaks, 'one break tapped in each language').toBe(2);
      expect(punches).toBe(attendanceEvents(served).length);
      await screenshot(page, 'issue12-c1-attendance-punches-en');

      // The last punch (the break) was a mistake.
      await page.getByTestId('punch-delete').last().click();
      await expectVisible(opened, served, 'punch-dialog', 'the delete dialog');
      expect(await page.getByTestId('punch-save').isDisabled(), 'no reason, no delete').toBe(true);
      await page.getByTestId('punch-reason').fill('Tapped Break by mistake');
      await screenshot(page, 'issue12-c2-attendance-delete-dialog-en');
      await page.getByTestId('punch-save').click();
      await expectVisible(opened, served, 'attendance-notice', 'the deleted notice');
      await expectEventually(
        opened,
        served,
        async () => (await page.getByTestId('punch-row').count()) === punches - 1,
        'one punch fewer in the list',
      );

      // A missed punch: a check-in earlier today, added by hand.
      await page.getByTestId('punch-add').click();
      await expectVisible(opened, served, 'punch-dialog', 'the add dialog');
      await page.getByTestId('punch-time').fill('00:01');
      await page.getByTestId('punch-reason').fill('Came in before the kiosk was on');
      await page.getByTestId('punch-save').click();
      await expectVisible(opened, served, 'attendance-notice', 'the saved notice');
      await expectVisible(opened, served, 'report-flag', 'the marks on the corrected day');
      const flags = await page
        .getByTestId('report-flag')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')));
      expect(flags).toContain('manual');
      await screenshot(page, 'issue12-c3-attendance-corrected-en');

      const audit = queryDb<{ action: string; actor: string; details: string }>(
        served,
        "SELECT action, actor, details FROM audit_log WHERE action IN ('attendance.delete', 'attendance.add') ORDER BY seq",
      );
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['attendance.delete', 'admin'],
        ['attendance.add', 'admin'],
      ]);
      expect(JSON.parse(audit[0]!.details)).toMatchObject({
        reason: 'Tapped Break by mistake',
        before: { kind: 'break' },
      });
      const kinds = attendanceEvents(served).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'break')).toHaveLength(breaks - 1);
      expect(kinds[0], 'the added check-in is the first of the day').toBe('in');
    } finally {
      await close(opened);
    }
    await changeSettings({ locale: 'zh-CN' }, async (admin) => {
      await admin.page.getByTestId('nav-attendance').click();
      await expectVisible(admin, served, 'report-row', 'the report rows in Chinese');
      await admin.page.getByTestId('report-punches').first().click();
      await expectVisible(admin, served, 'punch-row', 'the punches in Chinese');
      await screenshot(admin.page, 'issue12-c4-attendance-punches-zh');
      await admin.page.getByTestId('punch-edit').first().click();
      await expectVisible(admin, served, 'punch-dialog', 'the edit dialog in Chinese');
      await screenshot(admin.page, 'issue12-c5-attendance-edit-dialog-zh');
      await admin.page.getByTestId('punch-cancel').click();
      await admin.page.setViewportSize({ width: 800, height: 1280 });
      await screenshot(admin.page, 'issue12-c6-attendance-zh-portrait');
      await admin.page.getByTestId('nav-settings').click();
      await expectVisible(admin, served, 'settings-day-starts', 'the attendance rules in Chinese');
      await admin.page.getByTestId('settings-day-starts').scrollIntoViewIfNeeded();
      await screenshot(admin.page, 'issue12-c7-settings-rules-zh-portrait');
    });
    await changeSettings({ locale: 'en' }, async (admin) => {
      await admin.page.getByTestId('nav-settings').click();
      await admin.page.getByTestId('settings-auto-out-on').check();
      await admin.page.getByTestId('settings-day-starts').scrollIntoViewIfNeeded();
      await screenshot(admin.page, 'issue12-c8-settings-rules-en');
    });
  });
});
