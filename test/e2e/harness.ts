// What the browser end-to-end tests share: a real `presence serve` on a fresh database, Debian's
// Chromium driven by playwright-core, and a fake camera fed from a video made from real photos.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
export const OUTPUT_DIR = path.join(ROOT, 'test-output', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function requireTools(): void {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (as .ci/run does).`);
  if (spawnSync('ffmpeg', ['-version']).status !== 0) throw new Error('ffmpeg is missing: apt-get install ffmpeg (as .ci/run does).');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.cjs')) || !fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    throw new Error('The app is not built: run "npm run build" first (npm test does).');
  }
}

export interface Served {
  url: string;
  dataDir: string;
  databasePath: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `presence serve` on a free port with its own database; resolves once the engine is ready. */
export async function serve(dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-'))): Promise<Served> {
  const databasePath = path.join(dataDir, 'presence.db');
  const linkFile = path.join(dataDir, 'link.txt');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'presence.cjs'), 'serve', '--db', databasePath, '--port', '0', '--token-file', linkFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_DATA_DIR: dataDir },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!output.includes('Face engine ready')) {
    if (child.exitCode !== null) throw new Error(`presence serve exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`presence serve did not get ready in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = fs.readFileSync(linkFile, 'utf8').trim();
  return {
    url,
    dataDir,
    databasePath,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * A looping .y4m the fake camera plays: each photo is shown for `secondsEach` on a 640x480 grey frame,
 * scaled so the face is as big as a person's at a kiosk about 60 cm away.
 */
export function makeCameraVideo(photos: readonly string[], out: string, secondsEach = 2): string {
  const fps = 10;
  const inputs = photos.flatMap((p) => ['-loop', '1', '-t', String(secondsEach), '-framerate', String(fps), '-i', p]);
  const scaled = photos.map((_, i) => `[${i}:v]scale=360:360,pad=640:480:140:60:color=0x808080,setsar=1,format=yuv420p[v${i}]`).join(';');
  const concat = `${photos.map((_, i) => `[v${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`;
  const r = spawnSync('ffmpeg', ['-y', '-loglevel', 'error', ...inputs, '-filter_complex', `${scaled};${concat}`, '-map', '[out]', '-r', String(fps), out]);
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
];

/** Chromium with a fake camera playing `video`, or with no camera at all when `video` is null. */
export async function launchBrowser(video: string | null): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...(video ? ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] : [])];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
