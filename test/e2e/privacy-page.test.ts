// Issue 14, item 7: Settings > Privacy in a real browser against `presence serve` on a fresh database, in
// English and in Chinese: what is stored, where, how protected and for how long (sentences that follow
// the retention rules once they are saved); a new version of the consent text; "Run now" behind its
// confirmation; a person found for export and erasure; the DPIA text copied; the audit log verified,
// and a chain broken outside Presence (the file edited behind its back) said loudly. Screenshots of
// each part, at the kiosk-sized window and as one tall page, in both languages.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  expectVisible,
  failure,
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
const NAME = 'Ada Lovelace';

type Lang = 'en' | 'zh';

describe('Settings > Privacy through the browser (issue 14, item 7)', () => {
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  printServerOutputOnFailure(() => served);

  beforeAll(async () => {
    requireTools();
    served = await serve();
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
    await opened.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(served.url).origin,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  async function openPrivacy(): Promise<void> {
    const { page } = opened;
    await page.getByTestId('nav-settings').click();
    await expectVisible(opened, served, 'settings-tab-privacy', 'the Privacy tab of the Settings screen');
    await page.getByTestId('settings-tab-privacy').click();
    await expectVisible(opened, served, 'privacy-stored', 'the Privacy page with what is stored');
  }

  async function section(page: Page, testid: string, name: string): Promise<void> {
    await page.evaluate(`document.querySelector('[data-testid="${testid}"]').scrollIntoView({ block: 'start' })`);
    await screenshot(page, name);
  }

  /** The whole page at once: a window tall enough for the screen not to scroll, then back. */
  async function tall(page: Page, name: string): Promise<void> {
    const size = page.viewportSize()!;
    const height = await page.evaluate<number>(
      `document.querySelector('[data-testid="screen-settings"]').scrollHeight + 120`,
    );
    await page.setViewportSize({ width: size.width, height: Math.min(height, 6000) });
    await screenshot(page, name);
    await page.setViewportSize(size);
  }

  async function shots(lang: Lang): Promise<void> {
    const { page } = opened;
    await page.evaluate(`document.querySelector('main.content').scrollTop = 0`);
    await screenshot(page, `issue14-p1-privacy-top-${lang}`);
    await section(page, 'privacy-retention', `issue14-p2-retention-${lang}`);
    await section(page, 'privacy-audit', `issue14-p3-person-audit-${lang}`);
    await section(page, 'backup-settings', `issue14-p4-backup-${lang}`);
    await section(page, 'privacy-dpia', `issue14-p5-dpia-${lang}`);
    await tall(page, `issue14-p0-privacy-page-${lang}`);
  }

  it('shows what is stored, where, how protected and for how long, from the data and the settings', async () => {
    const { page } = opened;
    expect(await unlockAdmin(opened, served, PIN)).toBe('set');
    await expectVisible(opened, served, 'screen-people', 'the People screen after setting the PIN');
    await page.getByTestId('person-add').click();
    await page.getByTestId('person-name-input').fill(NAME);
    await page.getByTestId('person-external-input').fill('E-1815');
    await page.getByTestId('person-save').click();
    await page.getByTestId('person-row').filter({ hasText: NAME }).waitFor({ timeout: 15_000 });

    await openPrivacy();
    expect(await page.getByTestId('privacy-count-people').innerText()).toMatch(/People\s+1$/);
    expect(await page.getByTestId('privacy-database-path').innerText()).toBe(served.databasePath);
    expect(await page.getByTestId('privacy-key-location').innerText()).toContain(`${served.databasePath}.key`);
    // presence serve keeps the key in a 0600 file: the sentence says so, not the OS key store.
    expect(await page.getByTestId('privacy-protection').innerText()).toContain('(mode 0600)');
    const howLong = await page.getByTestId('privacy-how-long').innerText();
    expect(howLong).toContain('Face data is kept until the person is erased or withdraws consent.');
    expect(await page.getByTestId('privacy-preview-off').count()).toBe(1);
  });

  it('saves the retention rules, and the sentences, the preview and the DPIA text follow them', async () => {
    const { page } = opened;
    await page.getByTestId('privacy-face-on').check();
    await page.getByTestId('privacy-face-days').fill('180');
    await page.getByTestId('privacy-attendance-on').check();
    await page.getByTestId('privacy-attendance-months').fill('24');
    await page.getByTestId('privacy-retention-save').click();
    await expectVisible(opened, served, 'privacy-retention-saved', 'the retention rules saved');
    try {
      await page
        .getByTestId('privacy-how-long')
        .filter({ hasText: 'Face data of people not seen for 180 days is erased' })
        .waitFor({ timeout: 10_000 });
    } catch {
      throw await failure(opened, served, 'Expected the "for how long" sentences to follow the saved 180 days.');
    }
    expect(await page.getByTestId('privacy-how-long').innerText()).toContain(
      'Attendance older than 24 months is anonymised',
    );
    await expectVisible(opened, served, 'privacy-preview-face', "the preview's face-data cut-off");
    expect(await page.getByTestId('privacy-dpia-text').innerText()).toContain(
      'Face data of people not seen for 180 days is erased',
    );
    const stored = queryDb<{ key: string; value: string }>(
      served,
      "SELECT key, value FROM settings WHERE key IN ('faceDataRetentionDays', 'attendanceRetentionMonths') ORDER BY key",
    );
    expect(stored.map((r) => [r.key, JSON.parse(r.value)])).toEqual([
      ['attendanceRetentionMonths', 24],
      ['faceDataRetentionDays', 180],
    ]);
  });

  it('puts a new version of the consent text in force', async () => {
    const { page } = opened;
    await page.getByTestId('privacy-consent-edit').click();
    await expectVisible(opened, served, 'privacy-consent-form', 'the form for a new consent text');
    const en = page.getByTestId('privacy-consent-input-en');
    const before = await en.inputValue();
    expect(before.length, 'the form starts from the text in force').toBeGreaterThan(20);
    await en.fill(`${before}\n\nYou can withdraw your consent at any time at the office.`);
    await page.getByTestId('privacy-consent').scrollIntoViewIfNeeded();
    await screenshot(page, 'issue14-p6-consent-edit-en');
    await page.getByTestId('privacy-consent-save').click();
    await expectVisible(opened, served, 'privacy-consent-saved', 'the new version in force');
    expect(await page.getByTestId('privacy-consent-saved').innerText()).toBe('Version 2 is in force.');
    expect(await page.getByTestId('privacy-consent-text-en').innerText()).toContain('withdraw your consent');
  });

  it('runs the retention rules only after a confirmation that says what goes', async () => {
    const { page } = opened;
    await page.getByTestId('privacy-run-now').click();
    await expectVisible(opened, served, 'confirm-dialog', 'the confirmation before running the rules');
    await screenshot(page, 'issue14-p7-run-confirm-en');
    await page.getByTestId('confirm-ok').click();
    await expectVisible(opened, served, 'privacy-run-done', 'what the run removed');
    expect(await page.getByTestId('privacy-last-run').innerText()).toMatch(/^Last run: /);
  });

  it('finds a person to export or erase, verifies the audit log and copies the DPIA text', async () => {
    const { page } = opened;
    await page.getByTestId('privacy-person-search').fill('ada');
    const row = page.getByTestId('privacy-person-row').filter({ hasText: NAME });
    await row.waitFor({ timeout: 10_000 });
    const download = page.waitForEvent('download');
    await row.getByTestId('privacy-person-export').click();
    expect((await download).suggestedFilename()).toMatch(/\.zip$/);
    await expectVisible(opened, served, 'privacy-person-notice', 'the export offered');

    await row.getByTestId('privacy-person-erase').click();
    await expectVisible(opened, served, 'erase-dialog', 'the erase dialog, the same as on the People screen');
    await screenshot(page, 'issue14-p8-erase-dialog-en');
    await page.getByTestId('erase-cancel').click();

    await page.getByTestId('privacy-audit-verify').click();
    await expectVisible(opened, served, 'privacy-audit-ok', 'the audit chain holding');
    // The card already says "ok" from the check at open; the click's own answer comes a moment later.
    try {
      await expect
        .poll(() => page.getByTestId('privacy-audit-when').innerText(), { timeout: 15_000 })
        .toMatch(/^Checked at /);
    } catch {
      throw await failure(opened, served, 'Expected the audit card to say when it was checked, after Verify.');
    }
    const head = queryDb<{ hash: string }>(served, 'SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1')[0]!.hash;
    expect(await page.getByTestId('privacy-audit-head').innerText()).toBe(head);

    await page.getByTestId('privacy-dpia-copy').click();
    await expectVisible(opened, served, 'privacy-dpia-copied', 'the DPIA text copied');
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toContain('3. Legal basis');
    expect(copied).toContain('Face data of people not seen for 180 days is erased');

    await shots('en');
  });

  it('says it all in Chinese', async () => {
    if (!hasChineseFont()) console.warn('No Simplified Chinese font: the zh screenshots show empty boxes.');
    const { page } = opened;
    await page.getByTestId('settings-tab-general').click();
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the language saved');
    await page.getByTestId('settings-tab-privacy').click();
    await expectVisible(opened, served, 'privacy-stored', 'the Privacy page in Chinese');
    expect(await page.getByTestId('settings-tab-privacy').innerText()).toBe('隐私');
    expect(await page.getByTestId('privacy-how-long').innerText()).toContain('超过 180 天未出现的人员');
    expect(await page.getByTestId('privacy-dpia-text').innerText()).toContain('《个人信息保护法》');

    await page.getByTestId('privacy-consent-edit').click();
    await page.getByTestId('privacy-consent').scrollIntoViewIfNeeded();
    await screenshot(page, 'issue14-p6-consent-edit-zh');
    await page.getByTestId('privacy-consent-cancel').click();
    await page.getByTestId('privacy-run-now').click();
    await expectVisible(opened, served, 'confirm-dialog', 'the confirmation in Chinese');
    await screenshot(page, 'issue14-p7-run-confirm-zh');
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('privacy-person-search').fill('ada');
    await page.getByTestId('privacy-person-row').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('privacy-person-erase').click();
    await expectVisible(opened, served, 'erase-dialog', 'the erase dialog in Chinese');
    await screenshot(page, 'issue14-p8-erase-dialog-zh');
    await page.getByTestId('erase-cancel').click();
    await shots('zh');
  });

  it('says loudly when the audit log was edited outside Presence', async () => {
    const { page } = opened;
    // Behind Presence's back: the triggers that refuse edits dropped, one entry's details changed.
    const db = new Database(served.databasePath);
    try {
      db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
      db.prepare('UPDATE audit_log SET details = \'{"edited":true}\' WHERE seq = 2').run();
    } finally {
      db.close();
    }
    await page.getByTestId('privacy-audit-verify').click();
    await expectVisible(opened, served, 'privacy-audit-broken', 'the broken chain said loudly');
    expect(await page.getByTestId('privacy-audit-broken').innerText()).toContain('第 2 号条目');
    await section(page, 'privacy-audit', 'issue14-p9-audit-broken-zh');

    await page.getByTestId('settings-tab-general').click();
    await page.getByTestId('settings-locale').selectOption('en');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'English again');
    await page.getByTestId('settings-tab-privacy').click();
    await page.getByTestId('privacy-audit-verify').click();
    await expectVisible(opened, served, 'privacy-audit-broken', 'the broken chain said loudly in English');
    expect(await page.getByTestId('privacy-audit-broken').innerText()).toContain('Entry #2');
    await section(page, 'privacy-audit', 'issue14-p9-audit-broken-en');
  });
});
