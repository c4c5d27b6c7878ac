// Issue 2, item 7: the browser end-to-end test of the admin basics against `presence serve` on a fresh
// database: set the admin PIN on first run, lock and unlock, create a person through the People
// screen, see them listed, delete them through the confirmation dialog, and see them gone (in the UI
// and in the SQLite file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  expectVisible,
  failure,
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

  it('deletes the person after confirmation, and they are gone', async () => {
    const { page } = opened;
    const row = page.getByTestId('person-row').filter({ hasText: NAME });
    await row.getByTestId('person-delete').click();
    await expectVisible(opened, served, 'confirm-dialog', 'the delete confirmation dialog');
    expect(await page.getByTestId('confirm-message').innerText()).toContain(NAME);
    await screenshot(page, 'issue2-04-delete-confirm');

    // Cancelling keeps the person.
    await page.getByTestId('confirm-cancel').click();
    expect(await row.count(), 'cancel must not delete').toBe(1);

    await row.getByTestId('person-delete').click();
    await page.getByTestId('confirm-ok').click();
    try {
      await row.waitFor({ state: 'detached', timeout: 15_000 });
    } catch {
      throw await failure(
        opened,
        served,
        `Expected "${NAME}" to disappear from the People list after confirming the deletion.`,
      );
    }
    await expectVisible(opened, served, 'people-empty', 'the empty People list');
    await screenshot(page, 'issue2-05-person-deleted');

    const rows = queryDb<{ deleted_at: string | null }>(served, 'SELECT deleted_at FROM people WHERE name = ?', NAME);
    expect(
      rows.every((r) => r.deleted_at !== null),
      'the person is deleted (tombstoned) in the database',
    ).toBe(true);
    const audit = queryDb<{ action: string }>(served, "SELECT action FROM audit_log WHERE action LIKE '%delete%'");
    expect(audit.length, 'the deletion is in the audit log').toBeGreaterThan(0);
  });
});
