// Issue 13: Settings > Sync through the browser, against a real `presence serve` and a real PostgreSQL
// hub (a server started from a temporary folder, test/helpers/postgres.ts). The administrator's machine
// (its own database, driven with the built CLI) sets the hub up, registers this station and an office
// station, and enrolls a person from real LFW photos at the office, which syncs. At the served station,
// the panel says it has joined no hub; the join code is typed in; the station joins, syncs, and the
// person enrolled at the office is on its People list. Screenshots in English and Chinese.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  ROOT,
  elementShot,
  expectVisible,
  failure,
  fixture,
  hasChineseFont,
  launchBrowser,
  openApp,
  printServerOutputOnFailure,
  requireTools,
  serve,
  unlockAdmin,
  type Opened,
  type Served,
} from './harness';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres';

const PIN = '5173';
const unavailable = postgresAvailable();
if (unavailable) console.warn(`Sync browser test skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('Settings > Sync: joining the hub and syncing from the screen (issue 13)', () => {
  let pg: TestPostgres;
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  let hubUrl: string;
  let code: string;
  let office: string;
  printServerOutputOnFailure(() => served);

  const presence = (db: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'presence.cjs'), '--db', db, ...args], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, `presence ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, string>;

  beforeAll(async () => {
    requireTools();
    pg = await startPostgres();
    hubUrl = await pg.createDatabase('presence_hub');
    const adminDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-office-'));
    office = path.join(adminDir, 'office.db');
    presence(office, 'hub', 'init', '--url', hubUrl, '--json');
    code = lastJson(presence(office, 'hub', 'add-station', 'Front door', '--json')).joinCode!;
    const own = lastJson(presence(office, 'hub', 'add-station', 'Office', '--json')).joinCode!;
    presence(office, 'sync', 'join', '--url', stationUrl(), '--code', own);
    presence(
      office,
      'enroll',
      '--name',
      'Al Gore',
      '--consent-recorded-by',
      'E2E test administrator',
      fixture('Al_Gore_0001.jpg'),
      fixture('Al_Gore_0002.jpg'),
    );
    presence(office, 'sync');
    served = await serve();
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await pg?.destroy();
  });

  /** The hub's address as a station is given it: no user, no password (the code brings them). */
  function stationUrl(): string {
    const u = new URL(hubUrl);
    u.username = '';
    return u.toString();
  }

  /** The card alone (harness elementShot). */
  const cardShot = (name: string) => elementShot(opened.page, 'sync-card', name);

  it('says the station has joined no hub, refuses a wrong code with a sentence, then joins and syncs', async () => {
    const { page } = opened;
    expect(await unlockAdmin(opened, served, PIN)).toBe('set');
    await page.getByTestId('nav-settings').click();
    await expectVisible(opened, served, 'sync-not-joined', 'the Sync card saying no hub is joined');
    await cardShot('issue13-sync-01-not-joined-en');
    await page.getByTestId('sync-url').fill(stationUrl());
    await page.getByTestId('sync-code').fill('PJ1-not-a-code');
    await page.getByTestId('sync-join').click();
    await expectVisible(opened, served, 'sync-problem', 'the sentence for a wrong join code');
    expect(await page.getByTestId('sync-problem').innerText()).toMatch(/not a join code/);
    await page.getByTestId('sync-code').fill(code);
    await page.getByTestId('sync-join').click();
    await expectVisible(opened, served, 'sync-facts', 'the facts of the joined hub');
    expect(await page.getByTestId('sync-station').innerText()).toBe('Front door');
    await page.getByTestId('sync-now').click();
    await expectVisible(opened, served, 'sync-result', 'the result of Sync now');
    expect(await page.getByTestId('sync-result').innerText()).toMatch(
      /^Synced: \d+ changes sent, \d+ received; 0 pending\.$/,
    );
    expect(await page.getByTestId('sync-pending').innerText()).toBe('0');
    await cardShot('issue13-sync-02-joined-en');
    // The person enrolled at the office is on this station's People list, with their face templates.
    await page.getByTestId('nav-people').click();
    try {
      await expect
        .poll(() => page.getByTestId('person-row').allInnerTexts(), { timeout: 15_000 })
        .toEqual([expect.stringContaining('Al Gore')]);
    } catch {
      throw await failure(opened, served, 'Expected Al Gore, enrolled at the office, on the People list.');
    }
  });

  it('shows the same facts in Simplified Chinese', async () => {
    if (!hasChineseFont())
      console.warn('No Simplified Chinese font is installed (apt-get install fonts-noto-cjk): empty boxes ahead.');
    const { page } = opened;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    await page.getByTestId('sync-now').click();
    try {
      await expect
        .poll(() => page.getByTestId('sync-result').innerText(), { timeout: 15_000 })
        .toMatch(/^已同步：发送 \d+ 项更改，接收 \d+ 项；待发送 0 项。$/);
    } catch {
      throw await failure(opened, served, 'Expected the Sync card in Chinese.');
    }
    await cardShot('issue13-sync-03-joined-zh');
  });
});
