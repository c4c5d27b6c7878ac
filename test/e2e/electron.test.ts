// The desktop shell end to end, with Playwright's Electron driver. Electron's binary is downloaded from
// outside the npm registry at install time; where it could not be (as on machines without that access),
// this test is skipped and says why, and every part behind the window is covered by the other tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import { ROOT, screenshot } from './harness';

function electronBinary(): string | null {
  try {
    const file = path.join(ROOT, 'node_modules', 'electron', 'path.txt');
    const binary = path.join(ROOT, 'node_modules', 'electron', 'dist', fs.readFileSync(file, 'utf8').trim());
    return fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  console.warn(
    'SKIPPED electron e2e: the Electron binary is not installed (its download site is unreachable here); run `node node_modules/electron/install.js` where it is reachable.',
  );
}

describe.skipIf(!binary)('Electron desktop app', () => {
  it('opens the window, exposes only window.presence, and answers over IPC', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, '--db', path.join(dataDir, 'presence.db'), '--no-sandbox'],
      env: { ...process.env, PRESENCE_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      const surface = await page.evaluate(() => ({
        hasPresence: typeof (globalThis as unknown as { presence?: unknown }).presence === 'object',
        hasRequire: typeof (globalThis as unknown as { require?: unknown }).require !== 'undefined',
        hasProcess: typeof (globalThis as unknown as { process?: unknown }).process !== 'undefined',
      }));
      expect(surface).toEqual({ hasPresence: true, hasRequire: false, hasProcess: false });
      const info = await page.evaluate(() =>
        (globalThis as unknown as { presence: { app: { info(): Promise<unknown> } } }).presence.app.info(),
      );
      expect(info).toMatchObject({ ok: true, value: { name: 'Presence', transport: 'electron' } });
      await screenshot(page, 'electron-window');
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
