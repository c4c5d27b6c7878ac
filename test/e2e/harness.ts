// What the browser end-to-end tests share: a real `presence serve` on a fresh database, Debian's
// Chromium driven by playwright-core, and a fake camera fed from a video made from real photos.
// Failures should say what was expected, what the screen showed, and what the server printed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
export const OUTPUT_DIR = path.join(ROOT, 'test-output', 'e2e');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function requireTools(): void {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (as .ci/run does).`);
  if (spawnSync('ffmpeg', ['-version']).status !== 0)
    throw new Error('ffmpeg is missing: apt-get install ffmpeg (as .ci/run does).');
  if (
    !fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.cjs')) ||
    !fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))
  ) {
    throw new Error('The app is not built: run "npm run build" first (npm test does).');
  }
}

/**
 * Prints the server's last output when a test fails (an assertion's message alone rarely says why the
 * server answered as it did). Call once in a describe block; `served` may not exist yet at that time.
 */
export function printServerOutputOnFailure(served: () => Served | undefined): void {
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      const s = served();
      if (s) console.error(`--- presence serve output (last lines) for "${ctx.task.name}":\n${tail(s.output(), 60)}`);
    });
  });
}

/** Whether fontconfig knows a Simplified Chinese font; without one, zh-CN screenshots show empty boxes. */
export function hasChineseFont(): boolean {
  const r = spawnSync('fc-list', [':lang=zh-cn', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

export function fixture(name: string): string {
  const file = path.join(FIXTURES, name);
  if (!fs.existsSync(file)) throw new Error(`Fixture photo ${file} is missing (see test/fixtures/e2e/SOURCE.md).`);
  return file;
}

export interface Served {
  url: string;
  dataDir: string;
  databasePath: string;
  process: ChildProcess;
  /** Everything the server printed so far (stdout and stderr, interleaved). */
  output(): string;
  stop(): Promise<void>;
}

/** The last lines of what the server printed, for error messages. */
export function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? [`... (${all.length - lines} earlier lines)`] : []).concat(all.slice(-lines)).join('\n');
}

/** Starts `presence serve` on a free port with its own database; resolves once the engine is ready. */
export async function serve(dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-'))): Promise<Served> {
  const databasePath = path.join(dataDir, 'presence.db');
  const linkFile = path.join(dataDir, 'link.txt');
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'presence.cjs'), 'serve', '--db', databasePath, '--port', '0', '--token-file', linkFile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PRESENCE_DATA_DIR: dataDir },
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 120_000;
  while (!output.includes('Face engine ready')) {
    if (child.exitCode !== null)
      throw new Error(`presence serve exited early (code ${child.exitCode}):\n${tail(output)}`);
    if (output.includes('the face engine did not start')) {
      await stop();
      throw new Error(`presence serve could not start its face engine:\n${tail(output)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`presence serve did not get ready within 120 s:\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = fs.readFileSync(linkFile, 'utf8').trim();
  return { url, dataDir, databasePath, process: child, output: () => output, stop };
}

/**
 * A looping .y4m the fake camera plays: each photo is shown for `secondsEach` on a 640x480 grey frame,
 * scaled so the face is as big as a person's at a kiosk about 60 cm away. A null entry is an empty
 * grey frame: nobody in front of the camera (the person walked away).
 */
export function makeCameraVideo(photos: ReadonlyArray<string | null>, out: string, secondsEach = 2): string {
  const fps = 10;
  const inputs = photos.flatMap((p) =>
    p === null
      ? ['-f', 'lavfi', '-t', String(secondsEach), '-i', `color=c=0x808080:s=640x480:r=${fps}`]
      : ['-loop', '1', '-t', String(secondsEach), '-framerate', String(fps), '-i', p],
  );
  const scaled = photos
    .map((p, i) =>
      p === null
        ? `[${i}:v]setsar=1,format=yuv420p[v${i}]`
        : `[${i}:v]scale=360:360,pad=640:480:140:60:color=0x808080,setsar=1,format=yuv420p[v${i}]`,
    )
    .join(';');
  const concat = `${photos.map((_, i) => `[v${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const r = spawnSync('ffmpeg', [
    '-y',
    '-loglevel',
    'error',
    ...inputs,
    '-filter_complex',
    `${scaled};${concat}`,
    '-map',
    '[out]',
    '-r',
    String(fps),
    out,
  ]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the camera video: ${r.stderr.toString()}`);
  return out;
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  // A kiosk page in a background tab must keep its camera loop running at full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--autoplay-policy=no-user-gesture-required',
];

/** Chromium with a fake camera playing `video`, or with no camera at all when `video` is null. */
export async function launchBrowser(video: string | null): Promise<Browser> {
  const args = [
    ...CHROMIUM_FLAGS,
    ...(video ? ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] : []),
  ];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export interface Opened {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, for failure messages. */
  errors: string[];
}

/**
 * Opens the served app (with its token link) in a fresh context, sized like a kiosk screen; `search`
 * (such as `?station=Back%20door`) goes before the link's #token.
 */
export async function openApp(browser: Browser, served: Served, locale = 'en-GB', search = ''): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  const link = new URL(served.url);
  link.search = search;
  await page.goto(link.href);
  await page.getByTestId('app').waitFor({ timeout: 30_000 });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** What the page shows, in a few lines, for error messages: screen, kiosk state, visible test ids' text. */
export async function describePage(page: Page): Promise<string> {
  try {
    // A string, not a function: this file is type-checked without the DOM library.
    return await page.evaluate<string>(`(() => {
      const app = document.querySelector('[data-testid="app"]');
      const state = document.querySelector('[data-testid="kiosk-state"]');
      const shown = [...document.querySelectorAll('[data-testid]')]
        .filter((e) => e.offsetParent !== null && e.innerText.trim() && e.innerText.length < 200)
        .map((e) => e.dataset.testid + ': ' + e.innerText.replace(/\\s+/g, ' ').trim())
        .slice(0, 25);
      return ['screen=' + (app ? app.getAttribute('data-screen') : '?') + ' kiosk-state=' + (state ? state.getAttribute('data-state') : '-'), ...shown].join('\\n  ');
    })()`);
  } catch (e) {
    return `(page could not be read: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/**
 * Waits for an element with `testid` to be visible; on timeout, fails with what was expected, what the
 * page showed, the page's errors, and the server's last output, and saves a screenshot.
 */
export async function expectVisible(
  opened: Opened,
  served: Served,
  testid: string,
  what: string,
  timeout = 30_000,
): Promise<void> {
  try {
    await opened.page.getByTestId(testid).first().waitFor({ state: 'visible', timeout });
  } catch {
    throw await failure(
      opened,
      served,
      `Expected ${what} ([data-testid="${testid}"]) within ${timeout / 1000} s; it did not appear.`,
    );
  }
}

/**
 * Waits until the first element with this test id carries `attr="value"`. Screens fill such attributes from
 * an answer of main that comes after the element is shown, so a single read races it.
 */
export async function expectAttribute(
  opened: Opened,
  served: Served,
  testid: string,
  attr: string,
  value: string,
  what: string,
  timeout = 15_000,
): Promise<void> {
  const selector = `[data-testid="${testid}"][${attr}="${value}"]`;
  try {
    await opened.page.locator(selector).first().waitFor({ state: 'attached', timeout });
  } catch {
    const found = await opened.page
      .getByTestId(testid)
      .first()
      .getAttribute(attr)
      .catch(() => null);
    throw await failure(
      opened,
      served,
      `Expected ${what} (${selector}) within ${timeout / 1000} s; ${attr} was ${JSON.stringify(found)}.`,
    );
  }
}

/**
 * Polls a check made from the test until it holds. Used instead of page.waitForFunction with a string, which
 * Playwright evaluates with eval inside the page, and the app's Content-Security-Policy (no 'unsafe-eval')
 * refuses that on some Chromium builds.
 */
export async function expectEventually(
  opened: Opened,
  served: Served,
  check: () => Promise<boolean>,
  what: string,
  timeout = 15_000,
): Promise<void> {
  const until = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw await failure(opened, served, `Expected ${what} within ${timeout / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A screenshot of one element (a Settings card, say), with the window made tall enough for it: the admin
 * screens scroll inside the app, so a full-page shot would cut it.
 */
export async function elementShot(page: Page, testid: string, name: string): Promise<string> {
  const element = page.getByTestId(testid);
  await element.scrollIntoViewIfNeeded();
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: viewport.width, height: 2400 });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  try {
    await element.screenshot({ path: file });
  } finally {
    await page.setViewportSize(viewport);
  }
  return file;
}

/** Builds a descriptive error (and saves a screenshot of the moment) for a failed expectation. */
export async function failure(opened: Opened, served: Served, message: string): Promise<Error> {
  const name = `FAILED-${message.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
  const shot = await screenshot(opened.page, name).catch(() => '(no screenshot)');
  return new Error(
    `${message}\n\nThe page showed:\n  ${await describePage(opened.page)}\n` +
      `Page errors: ${opened.errors.length ? `\n  ${opened.errors.slice(-10).join('\n  ')}` : 'none'}\n` +
      `Screenshot: ${shot}\n\nServer output (last lines):\n${tail(served.output())}`,
  );
}

/**
 * Opens the admin side (People) and gets past the PIN: on first run the set-PIN dialog (PIN entered
 * twice), otherwise the unlock dialog; nothing when the admin session is already unlocked.
 */
export async function unlockAdmin(
  opened: Opened,
  served: Served,
  pin: string,
): Promise<'set' | 'unlocked' | 'already'> {
  const { page } = opened;
  if ((await page.getByTestId('app').getAttribute('data-screen')) === 'kiosk')
    await page.getByTestId('nav-admin').click();
  const setPin = page.getByTestId('setpin-dialog');
  const unlock = page.getByTestId('unlock-dialog');
  const lockButton = page.getByTestId('admin-lock');
  try {
    await setPin.or(unlock).or(lockButton).first().waitFor({ state: 'visible', timeout: 15_000 });
  } catch {
    throw await failure(
      opened,
      served,
      'Expected the set-PIN dialog, the unlock dialog or an unlocked admin screen after pressing the admin button.',
    );
  }
  if (await setPin.isVisible()) {
    await page.getByTestId('pin-new-input').fill(pin);
    await page.getByTestId('pin-new-ok').click();
    await page.getByTestId('pin-repeat-input').fill(pin);
    await page.getByTestId('pin-repeat-ok').click();
    await expectVisible(opened, served, 'admin-lock', 'the admin session to be unlocked after setting the PIN');
    return 'set';
  }
  if (await unlock.isVisible()) {
    await page.getByTestId('pin-input').fill(pin);
    await page.getByTestId('pin-ok').click();
    await expectVisible(opened, served, 'admin-lock', 'the admin session to be unlocked after entering the PIN');
    return 'unlocked';
  }
  return 'already';
}

/** A read-only look at the server's SQLite file: the database is the truth about what was recorded. */
export function queryDb<T>(served: Served, sql: string, ...params: unknown[]): T[] {
  const db = new Database(served.databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface EventRow {
  person_id: string;
  name: string;
  kind: 'in' | 'out' | 'break';
  at: string;
  station: string;
  distance: number | null;
}

/** Every attendance event, oldest first, with the person's name. */
export function attendanceEvents(served: Served): EventRow[] {
  return queryDb<EventRow>(
    served,
    `SELECT e.person_id, p.name, e.kind, e.at, e.station, e.distance FROM attendance_events e JOIN people p ON p.id = e.person_id
     WHERE e.deleted_at IS NULL ORDER BY e.at`,
  );
}
