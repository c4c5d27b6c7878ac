// Issue 16: choosing a trained model in Settings > Face model, through the browser, against a real
// `presence serve` (the worker engine) on a real database. Two people are imported from real LFW photos
// (test/fixtures/e2e/SOURCE.md) with `presence import`; the model folder is made up
// (test/helpers/trained-model.ts: a mild seeded head over the shipped encoder, so that the test does not
// wait for a training run). The folder is checked (its figures shown beside the shipped model's), chosen
// (the gallery re-embedded from the face chips into its space, in the running server), and left again.
// The database file is read (read-only) as the truth about what was stored.
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
  queryDb,
  requireTools,
  serve,
  unlockAdmin,
  type Opened,
  type Served,
} from './harness';
import { someHead, writeModelFolder } from '../helpers/trained-model';

const PIN = '5173';
const PEOPLE: Record<string, string[]> = {
  Al_Gore: ['Al_Gore_0001.jpg', 'Al_Gore_0002.jpg'],
  Ai_Sugiyama: ['Ai_Sugiyama_0001.jpg', 'Ai_Sugiyama_0002.jpg'],
};

describe('Settings > Face model: a trained model checked, chosen and left again (issue 16)', () => {
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  let modelDir: string;
  let modelId: string;
  printServerOutputOnFailure(() => served);

  beforeAll(async () => {
    requireTools();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-model-'));
    const folder = path.join(dataDir, 'people');
    for (const [name, photos] of Object.entries(PEOPLE)) {
      fs.mkdirSync(path.join(folder, name), { recursive: true });
      for (const p of photos) fs.copyFileSync(fixture(p), path.join(folder, name, p));
    }
    const imported = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'presence.cjs'),
        '--db',
        path.join(dataDir, 'presence.db'),
        'import',
        '--consent-recorded-by',
        'E2E test administrator',
        folder,
      ],
      { encoding: 'utf8', env: { ...process.env, PRESENCE_DATA_DIR: dataDir }, timeout: 300_000 },
    );
    expect(imported.status, `presence import failed:\n${imported.stdout}${imported.stderr}`).toBe(0);
    modelDir = path.join(dataDir, 'site-model');
    modelId = writeModelFolder(modelDir, someHead(13, 0.02));
    served = await serve(dataDir);
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  const encoders = () =>
    queryDb<{ m: string }>(served, 'SELECT DISTINCT model_id AS m FROM face_templates ORDER BY m').map((r) => r.m);

  /** The card alone, with the window made tall enough for it (the admin screens scroll inside the app). */
  /** The card alone (harness elementShot). */
  const cardShot = (name: string) => elementShot(opened.page, 'trained-model', name);

  it('checks a model folder and shows its figures beside the shipped model', async () => {
    const { page } = opened;
    expect(await unlockAdmin(opened, served, PIN)).toBe('set');
    await page.getByTestId('nav-settings').click();
    await expectVisible(opened, served, 'trained-model', 'the Face model card on the Settings screen');
    expect(await page.getByTestId('trained-model-in-use').innerText()).toBe(
      'In use: the shipped face model (mfn-foamliu).',
    );
    await page.getByTestId('trained-model-folder').fill(path.join(served.dataDir, 'nothing-here'));
    await page.getByTestId('trained-model-check').click();
    await expectVisible(opened, served, 'trained-model-problem', 'the sentence for a folder that holds no model');
    expect(await page.getByTestId('trained-model-problem').innerText()).toMatch(/holds no manifest\.json/);
    await page.getByTestId('trained-model-folder').fill(modelDir);
    await page.getByTestId('trained-model-check').click();
    await expectVisible(opened, served, 'trained-model-figures', 'the validation figures of the model');
    const rows = await page.getByTestId('trained-model-figures').locator('tbody tr').allInnerTexts();
    expect(rows[0]).toMatch(/Shipped model \(mfn-foamliu\)\s+99\.00 %/);
    expect(rows[1]).toMatch(/Trained model\s+99\.50 %/);
    await cardShot('issue16-model-01-checked');
  });

  it('chooses it: the running server re-embeds everyone from their chips into its space', async () => {
    const { page } = opened;
    expect(encoders()).toEqual(['mfn-foamliu']);
    await page.getByTestId('trained-model-use').click();
    try {
      await expect
        .poll(() => page.getByTestId('trained-model-in-use').innerText(), { timeout: 60_000 })
        .toBe(`In use: the trained model ${modelId}.`);
    } catch {
      throw await failure(opened, served, 'Expected the card to say the trained model is in use.');
    }
    expect(encoders()).toEqual([modelId]);
    expect(queryDb(served, "SELECT value FROM settings WHERE key = 'trainedModel'")).toEqual([
      { value: JSON.stringify(modelDir) },
    ]);
    await cardShot('issue16-model-02-in-use');
  });

  it('shows the card in Simplified Chinese, then goes back to the shipped model', async () => {
    if (!hasChineseFont())
      console.warn('No Simplified Chinese font is installed (apt-get install fonts-noto-cjk): empty boxes ahead.');
    const { page } = opened;
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    try {
      await expect
        .poll(() => page.getByTestId('trained-model-in-use').innerText(), { timeout: 15_000 })
        .toBe(`当前使用：训练模型 ${modelId}。`);
    } catch {
      throw await failure(opened, served, 'Expected the Face model card in Chinese.');
    }
    await cardShot('issue16-model-03-zh-in-use');
    await page.getByTestId('trained-model-shipped').click();
    try {
      await expect
        .poll(() => page.getByTestId('trained-model-in-use').innerText(), { timeout: 60_000 })
        .toBe('当前使用：随软件提供的人脸模型（mfn-foamliu）。');
    } catch {
      throw await failure(opened, served, 'Expected the card to say the shipped model is in use again.');
    }
    expect(encoders()).toEqual(['mfn-foamliu']);
  });
});
