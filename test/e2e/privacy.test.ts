// Issue 14 (biometric privacy), the screens end to end against `presence serve` on a fresh database, in
// English and in Chinese: the wizard shows the consent text in force and records its version; the
// person's consent history; the export of their data (a subject access request: a ZIP with person.json);
// the withdrawal of consent (face data erased, the person stays); and the erasure, confirmed by typing the
// name, after which the People list no longer shows them.
import fs from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  expectAttribute,
  expectVisible,
  failure,
  fixture,
  hasChineseFont,
  launchBrowser,
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
const RECORDED_BY = 'HR, Jane Doe';

type Lang = 'en' | 'zh';

describe('Privacy through the browser (issue 14)', () => {
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  printServerOutputOnFailure(() => served);

  beforeAll(async () => {
    requireTools();
    served = await serve();
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
    await unlockAdmin(opened, served, PIN);
    await expectVisible(opened, served, 'screen-people', 'the People screen after setting the PIN');
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  const personId = (name: string): string | undefined =>
    queryDb<{ id: string }>(served, 'SELECT id FROM people WHERE name = ?', name)[0]?.id;

  /** Enrolls `name` from photo files through the wizard, looking at the consent step on the way. */
  async function enrollByPhotos(name: string, photos: string[], lang: Lang): Promise<string> {
    const { page } = opened;
    await page.getByTestId('nav-enroll').click();
    await expectVisible(opened, served, 'enroll-name', 'the wizard asking for the person');
    await page.getByTestId('enroll-name').fill(name);
    await page.getByTestId('enroll-person-next').click();
    await expectVisible(opened, served, 'consent-text', 'the consent text in force on the consent step');
    expect(await page.getByTestId('consent-text-version').getAttribute('data-version')).toBe('1');
    expect(await page.getByTestId('consent-text').innerText()).toContain(
      lang === 'en' ? 'Presence records your attendance by recognising your face' : 'Presence 通过识别您的人脸记录考勤',
    );
    expect(await page.getByTestId('consent-import').isDisabled(), 'no import before consent is recorded').toBe(true);
    await page.getByTestId('consent-checkbox').check();
    await page.getByTestId('consent-by').fill(RECORDED_BY);
    await screenshot(page, `issue14-a1-consent-step-${lang}`);
    await page.getByTestId('consent-import').click();
    await expectVisible(opened, served, 'import-files', 'the photo import step');
    await page.getByTestId('import-files').setInputFiles(photos.map(fixture));
    await page.getByTestId('import-upload').click();
    await expectVisible(opened, served, 'import-summary', 'the result of the photo import', 120_000);
    const results = await page
      .getByTestId('import-result')
      .evaluateAll((li) => li.map((l) => l.getAttribute('data-ok')));
    expect(results, 'every photo is enrolled').toEqual(photos.map(() => 'true'));
    const id = personId(name);
    if (!id) throw await failure(opened, served, `Expected ${name} in the database after the import.`);
    const consent = queryDb<{ kind: string; recorded_by: string; text_version: number | null }>(
      served,
      'SELECT kind, recorded_by, text_version FROM consent_events WHERE person_id = ? ORDER BY at',
      id,
    );
    // Main records the consent with each import call (the wizard sends one photo per call): all of them
    // given, by whoever recorded it, to version 1 of the text.
    expect(consent.length, 'the consent is recorded').toBeGreaterThan(0);
    expect(
      consent.every((c) => c.kind === 'given' && c.recorded_by === RECORDED_BY && c.text_version === 1),
      `the consent is recorded with the version of the text shown: ${JSON.stringify(consent)}`,
    ).toBe(true);
    await page.getByTestId('nav-people').click();
    await expectVisible(opened, served, 'person-row', 'the People list');
    return id;
  }

  const rowOf = (name: string) => opened.page.getByTestId('person-row').filter({ hasText: name });

  async function consentHistory(name: string, lang: Lang): Promise<void> {
    const { page } = opened;
    await rowOf(name).getByTestId('person-consent').click();
    await expectVisible(opened, served, 'consent-event', `the consent history of ${name}`);
    const events = page.getByTestId('consent-event');
    expect(await events.count()).toBeGreaterThan(0);
    expect(await events.evaluateAll((li) => li.map((l) => l.getAttribute('data-kind')))).not.toContain('withdrawn');
    const text = await events.first().innerText();
    expect(text).toContain(RECORDED_BY);
    expect(text).toContain(lang === 'en' ? 'consent text version 1' : '同意书第 1 版');
    await screenshot(page, `issue14-b1-consent-history-${lang}`);
  }

  async function exportData(id: string, name: string, lang: Lang): Promise<void> {
    const { page } = opened;
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      rowOf(name).getByTestId('person-export').click(),
    ]);
    const file = await download.path();
    const bytes = new Uint8Array(fs.readFileSync(file));
    expect(Buffer.from(bytes.subarray(0, 2)).toString('latin1'), 'the export is a ZIP file').toBe('PK');
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const entries = unzipSync(bytes);
    expect(Object.keys(entries)).toContain('person.json');
    const record = new TextDecoder().decode(entries['person.json']);
    expect(record).toContain(id);
    expect(record).toContain(name);
    await expectVisible(opened, served, 'people-exported', 'the note that the export was downloaded');
    await screenshot(page, `issue14-c1-exported-${lang}`);
  }

  async function erase(id: string, name: string, lang: Lang): Promise<void> {
    const { page } = opened;
    await rowOf(name).getByTestId('person-erase').click();
    await expectVisible(opened, served, 'erase-dialog', 'the erase dialog');
    await expectAttribute(
      opened,
      served,
      'erase-attendance',
      'data-attendance',
      'keep',
      'the erase dialog to say attendance is kept',
    );
    const ok = page.getByTestId('erase-ok');
    expect(await ok.isDisabled(), 'no erasure before the name is typed').toBe(true);
    await page.getByTestId('erase-confirm-name').fill(name.split(' ')[0]!);
    expect(await ok.isDisabled(), 'part of the name is not the name').toBe(true);
    // Case and extra spaces are forgiven.
    await page.getByTestId('erase-confirm-name').fill(`  ${name.toUpperCase().replace(' ', '   ')} `);
    expect(await ok.isDisabled()).toBe(false);
    await screenshot(page, `issue14-d1-erase-dialog-${lang}`);
    await ok.click();
    try {
      await rowOf(name).waitFor({ state: 'detached', timeout: 30_000 });
    } catch {
      throw await failure(opened, served, `Expected "${name}" to leave the People list after the erasure.`);
    }
    await expectVisible(opened, served, 'people-erased', 'the note that the person was erased');
    expect(await page.getByTestId('erase-dialog').count()).toBe(0);
    await screenshot(page, `issue14-d2-erased-${lang}`);
    expect(queryDb(served, 'SELECT id FROM people WHERE name = ?', name), 'the name is gone').toEqual([]);
    expect(queryDb(served, 'SELECT id FROM face_templates WHERE person_id = ?', id), 'the templates are gone').toEqual(
      [],
    );
    const audit = queryDb<{ action: string }>(
      served,
      "SELECT action FROM audit_log WHERE action = 'person.erase' AND subject_id = ?",
      id,
    );
    expect(audit.length, 'the erasure is in the audit log').toBe(1);
  }

  it('in English: consent text on enrollment, consent history, export, erasure by typing the name', async () => {
    const name = 'Ahmed Chalabi';
    const id = await enrollByPhotos(name, ['Ahmed_Chalabi_0001.jpg', 'Ahmed_Chalabi_0002.jpg'], 'en');
    await screenshot(opened.page, 'issue14-a2-people-list-en');
    await consentHistory(name, 'en');
    await opened.page.getByTestId('consent-close').click();
    await exportData(id, name, 'en');
    await erase(id, name, 'en');
    expect(await opened.page.getByTestId('people-erased').innerText()).toMatch(
      /^Erased\. Their attendance is kept as /,
    );
  });

  it('in Chinese: the same, with the withdrawal of consent before the erasure', async () => {
    if (!hasChineseFont())
      console.warn(
        'No Simplified Chinese font is installed (apt-get install fonts-noto-cjk): zh-CN screenshots show boxes.',
      );
    const { page } = opened;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    try {
      const name = 'Ai Sugiyama';
      const id = await enrollByPhotos(name, ['Ai_Sugiyama_0001.jpg', 'Ai_Sugiyama_0002.jpg'], 'zh');
      await consentHistory(name, 'zh');

      // Withdrawal: who records it, then the face data goes at once and the person stays.
      await page.getByTestId('consent-withdraw').click();
      await expectVisible(opened, served, 'withdraw-form', 'the withdrawal form');
      expect(await page.getByTestId('withdraw-form').innerText()).toContain('立即清除');
      await page.getByTestId('withdraw-by').fill(RECORDED_BY);
      await screenshot(page, `issue14-e1-withdraw-zh`);
      await page.getByTestId('withdraw-confirm').click();
      await expectVisible(opened, served, 'consent-withdrawn', 'the note that consent was withdrawn');
      const kinds = await page
        .getByTestId('consent-event')
        .evaluateAll((li) => li.map((l) => l.getAttribute('data-kind')));
      expect(kinds.at(-1)).toBe('withdrawn');
      await screenshot(page, `issue14-e2-withdrawn-zh`);
      expect(queryDb(served, 'SELECT id FROM face_templates WHERE person_id = ?', id), 'face data erased').toEqual([]);
      await page.getByTestId('consent-close').click();
      expect(await rowOf(name).getByTestId('person-templates').innerText(), 'the person stays, without templates').toBe(
        '0',
      );

      await exportData(id, name, 'zh');
      await erase(id, name, 'zh');
      expect(await page.getByTestId('people-erased').innerText()).toContain('已清除');
      await expectVisible(opened, served, 'people-empty', 'the empty People list');
    } finally {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-locale').selectOption('en');
      await page.getByTestId('settings-save').click();
      await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    }
  });
});
