// Issue 2, item 7: the browser end-to-end test of the admin basics against `presence serve` on a fresh
// database: set the admin PIN on first run, lock and unlock, create a person through the People
// screen, see them listed, erase them (issue 14: by typing the name again), and see them gone (in the UI
// and in the SQLite file). Issue 12, item 6: the bulk import of people from a CSV and their photos,
// with its plan, its result for every row and file, in English and Chinese.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  expectVisible,
  failure,
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
const NAME = 'Ada Lovelace';

describe('People through the browser (issue 2)', () => {
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  printServerOutputOnFailure(() => served);

  beforeAll(async () => {
    requireTools();
    served = await serve();
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('asks for a new admin PIN on first run, then unlocks with it after locking', async () => {
    const { page } = opened;
    expect(await unlockAdmin(opened, served, PIN), 'a fresh database must ask to set the admin PIN').toBe('set');
    await expectVisible(opened, served, 'screen-people', 'the People screen after setting the PIN');
    await screenshot(page, 'issue2-01-people-unlocked');

    await page.getByTestId('admin-lock').click();
    await expectVisible(opened, served, 'screen-kiosk', 'the kiosk after locking the admin session');
    await page.getByTestId('nav-admin').click();
    await expectVisible(opened, served, 'unlock-dialog', 'the unlock dialog once a PIN exists');
    await page.getByTestId('pin-input').fill('0000');
    await page.getByTestId('pin-ok').click();
    await expectVisible(opened, served, 'pin-error', 'an error for a wrong PIN');
    await screenshot(page, 'issue2-02-unlock-wrong-pin');
    expect(await page.getByTestId('admin-lock').count(), 'a wrong PIN must not unlock').toBe(0);

    expect(await unlockAdmin(opened, served, PIN)).toBe('unlocked');
    await expectVisible(opened, served, 'screen-people', 'the People screen after unlocking');
  });

  it('creates a person through the People screen and lists them', async () => {
    const { page } = opened;
    await page.getByTestId('person-add').click();
    await expectVisible(opened, served, 'person-form', 'the new-person form');
    await page.getByTestId('person-name-input').fill(NAME);
    await page.getByTestId('person-external-input').fill('E-1815');
    await page.getByTestId('person-save').click();

    const row = page.getByTestId('person-row').filter({ hasText: NAME });
    try {
      await row.waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      throw await failure(opened, served, `Expected "${NAME}" in the People list after saving the form.`);
    }
    expect(await page.getByTestId('person-form').count(), 'the form closes after saving').toBe(0);
    expect(await row.getByTestId('person-templates').innerText()).toBe('0');
    await screenshot(page, 'issue2-03-person-listed');

    const rows = queryDb<{ name: string; external_id: string; deleted_at: string | null }>(
      served,
      'SELECT name, external_id, deleted_at FROM people',
    );
    expect(rows).toEqual([{ name: NAME, external_id: 'E-1815', deleted_at: null }]);
  });

  it('erases the person once their name is typed again, and they are gone', async () => {
    const { page } = opened;
    const row = page.getByTestId('person-row').filter({ hasText: NAME });
    await row.getByTestId('person-erase').click();
    await expectVisible(opened, served, 'erase-dialog', 'the erase dialog');
    expect(await page.getByTestId('erase-dialog').innerText()).toContain(NAME);
    expect(await page.getByTestId('erase-ok').isDisabled(), 'no erasure before the name is typed').toBe(true);
    await screenshot(page, 'issue2-04-delete-confirm');

    // Cancelling keeps the person.
    await page.getByTestId('erase-cancel').click();
    expect(await row.count(), 'cancel must not erase').toBe(1);

    await row.getByTestId('person-erase').click();
    await page.getByTestId('erase-confirm-name').fill(NAME);
    await page.getByTestId('erase-ok').click();
    try {
      await row.waitFor({ state: 'detached', timeout: 15_000 });
    } catch {
      throw await failure(opened, served, `Expected "${NAME}" to disappear from the People list after the erasure.`);
    }
    await expectVisible(opened, served, 'people-empty', 'the empty People list');
    await screenshot(page, 'issue2-05-person-deleted');

    expect(queryDb(served, 'SELECT id FROM people WHERE name = ?', NAME), 'the name is gone from the database').toEqual(
      [],
    );
    const audit = queryDb<{ action: string }>(served, "SELECT action FROM audit_log WHERE action = 'person.erase'");
    expect(audit.length, 'the erasure is in the audit log').toBe(1);
  });

  /** The CSV and photo files of the bulk import, named as an administrator would name them. */
  function importFiles() {
    const photo = (name: string, from: string) => ({
      name,
      mimeType: 'image/jpeg',
      buffer: fs.readFileSync(fixture(from)),
    });
    const csv = [
      'name,external_id,notes',
      'Ahmed Chalabi,E-100,Night shift',
      'Ai Sugiyama,,',
      ',E-9,', // no name
      'Ai Sugiyama,,', // the same name twice, nothing to tell them apart
    ].join('\n');
    return {
      csv: { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) },
      photos: [
        photo('E-100_1.jpg', 'Ahmed_Chalabi_0001.jpg'),
        photo('E-100_2.jpg', 'Ahmed_Chalabi_0002.jpg'),
        photo('Ai Sugiyama.jpg', 'Ai_Sugiyama_0001.jpg'),
        photo('Marie Curie.jpg', 'AJ_Cook_0001.jpg'),
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') },
      ],
    };
  }

  async function chooseImportFiles(): Promise<void> {
    const { page } = opened;
    await page.getByTestId('people-import-open').click();
    await expectVisible(opened, served, 'people-import', 'the bulk import screen');
    const files = importFiles();
    await page.getByTestId('people-import-csv').setInputFiles(files.csv);
    await page.getByTestId('people-import-photos').setInputFiles(files.photos);
    await expectVisible(opened, served, 'people-import-row', 'the import plan');
  }

  it('imports people from a CSV and their photos: a plan first, then a result for every row and file', async () => {
    const { page } = opened;
    await chooseImportFiles();
    const plan = await page
      .getByTestId('people-import-row')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-ok'), (r.textContent ?? '').replace(/\s+/g, ' ').trim()]),
      );
    expect(plan.map(([ok]) => ok)).toEqual(['true', 'true', 'false', 'false']);
    expect(plan[2]![1]).toContain('the name is empty');
    expect(plan[3]![1]).toContain('the same name is on line 3');
    const unmatched = await page.getByTestId('people-import-unmatched').allInnerTexts();
    expect(unmatched).toEqual([
      expect.stringContaining('Marie Curie.jpg: not imported: no one in the CSV'),
      expect.stringContaining('notes.txt: not imported: not a photo'),
    ]);
    expect(await page.getByTestId('people-import-run').isDisabled(), 'no consent, no import').toBe(true);
    await page.getByTestId('people-import-consent').check();
    await page.getByTestId('people-import-consent-by').fill('HR, Jane Doe');
    await screenshot(page, 'issue12-f1-people-import-plan-en');
    await page.setViewportSize({ width: 800, height: 1280 });
    await screenshot(page, 'issue12-f1-people-import-plan-en-portrait');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByTestId('people-import-run').click();
    await expectVisible(opened, served, 'people-import-progress', 'the progress of the import', 15_000);
    await screenshot(page, 'issue12-f2-people-import-progress-en');
    await expectVisible(opened, served, 'people-import-summary', 'the import result', 120_000);
    expect(await page.getByTestId('people-import-summary').innerText()).toBe(
      'Done: 2 people created, 3 photos added, 2 rows not imported.',
    );
    const files = await page
      .getByTestId('people-import-file')
      .evaluateAll((li) => li.map((l) => l.getAttribute('data-ok')));
    expect(files).toEqual(['true', 'true', 'true']);
    expect(await page.getByTestId('people-import-result').count(), 'a line for every row').toBe(4);
    await screenshot(page, 'issue12-f2-people-import-result-en');

    const people = queryDb<{ name: string; external_id: string | null; notes: string | null; templates: number }>(
      served,
      `SELECT p.name, p.external_id, p.notes, COUNT(t.id) AS templates FROM people p
       LEFT JOIN face_templates t ON t.person_id = p.id WHERE p.deleted_at IS NULL GROUP BY p.id ORDER BY p.name`,
    );
    expect(people).toEqual([
      { name: 'Ahmed Chalabi', external_id: 'E-100', notes: 'Night shift', templates: 2 },
      { name: 'Ai Sugiyama', external_id: null, notes: null, templates: 1 },
    ]);
    // Issue 14: the consent is an event of each person's history, with the version of the text shown.
    const consent = queryDb<{ recorded_by: string; text_version: number | null }>(
      served,
      `SELECT c.recorded_by, c.text_version FROM consent_events c JOIN people p ON p.id = c.person_id
       WHERE p.deleted_at IS NULL AND c.kind = 'given'`,
    );
    expect(consent.length).toBeGreaterThan(0);
    expect(consent.every((c) => c.recorded_by === 'HR, Jane Doe' && c.text_version === 1)).toBe(true);

    await page.getByTestId('people-import-close').click();
    await expectVisible(opened, served, 'person-row', 'the People list with the imported people');
    expect(await page.getByTestId('person-row').count()).toBe(2);
  });

  it('shows the plan in Chinese: the same CSV now adds to the people it enrolled, and creates nobody twice', async () => {
    const { page } = opened;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    await page.getByTestId('nav-people').click();
    await chooseImportFiles();
    const what = await page.getByTestId('people-import-row').first().innerText();
    expect(what).toContain('已录入的 Ahmed Chalabi');
    await screenshot(page, 'issue12-f3-people-import-plan-zh');
    await page.getByTestId('people-import-consent').check();
    await page.getByTestId('people-import-consent-by').fill('HR, Jane Doe');
    await page.getByTestId('people-import-run').click();
    await expectVisible(opened, served, 'people-import-summary', 'the result of the second run', 120_000);
    const files = await page
      .getByTestId('people-import-file')
      .evaluateAll((li) => li.map((l) => l.getAttribute('data-ok')));
    expect(files, 'the same files are not enrolled twice').toEqual(['already', 'already', 'already']);
    await screenshot(page, 'issue12-f4-people-import-rerun-zh');
    const people = queryDb<{ n: number; templates: number }>(
      served,
      `SELECT COUNT(DISTINCT p.id) AS n, COUNT(t.id) AS templates FROM people p
       LEFT JOIN face_templates t ON t.person_id = p.id WHERE p.deleted_at IS NULL`,
    );
    expect(people, 'nobody twice, no template twice').toEqual([{ n: 2, templates: 3 }]);
    await page.getByTestId('people-import-close').click();
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-locale').selectOption('en');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
  });

  it('the wizard gives a tip, then offers to skip a pose the camera never shows, and warns about too few shots', async () => {
    // A camera that only ever shows one straight face (yaw 3°, pitch 9°: "straight" to the wizard, whose
    // neutral pitch is 8°): every turned pose stalls.
    const video = makeCameraVideo(
      [fixture('Alejandro_Toledo_0004.jpg')],
      path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-video-')), 'still.y4m'),
      5, // Chromium plays the file in a loop
    );
    const browser = await launchBrowser(video);
    try {
      const wizard = await openApp(browser, served);
      const { page } = wizard;
      await unlockAdmin(wizard, served, PIN);
      await page.getByTestId('nav-enroll').click();
      await expectVisible(wizard, served, 'enroll-name', 'the wizard asking for the person');
      await page.getByTestId('enroll-name').fill('Alejandro Toledo');
      await page.getByTestId('enroll-person-next').click();
      await page.getByTestId('consent-checkbox').check();
      await page.getByTestId('consent-by').fill('E2E test administrator');
      await page.getByTestId('consent-next').click();
      try {
        await page.locator('[data-testid="shot"][data-kept="true"]').first().waitFor({ timeout: 60_000 });
      } catch {
        throw await failure(wizard, served, 'Expected the straight shot to be kept within 60 s.');
      }
      expect(await page.getByTestId('capture-instruction').getAttribute('data-pose')).toBe('left');
      await expectVisible(wizard, served, 'capture-tip', 'a tip for the stalled pose', 15_000);
      await screenshot(page, 'issue12-g1-wizard-tip-en');
      await expectVisible(wizard, served, 'capture-skip', '"Skip this pose" after about 20 s', 30_000);
      await screenshot(page, 'issue12-g2-wizard-skip-en');
      for (const pose of ['left', 'right', 'up', 'down']) {
        expect(await page.getByTestId('capture-instruction').getAttribute('data-pose')).toBe(pose);
        await page.getByTestId('capture-skip').click();
        if (pose !== 'down')
          await expectVisible(wizard, served, 'capture-skip', `"Skip this pose" for the pose after ${pose}`, 30_000);
      }
      await page.getByTestId('capture-next').click();
      await expectVisible(wizard, served, 'review-few-shots', 'the warning about fewer than three shots');
      expect(await page.getByTestId('review-count').innerText()).toContain('1');
      expect(await page.getByTestId('review-few-shots').innerText()).toMatch(/less reliable/);
      await screenshot(page, 'issue12-g3-wizard-few-shots-en');
    } finally {
      await browser.close();
    }
  });
});
