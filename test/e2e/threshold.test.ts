// Issue 10, the threshold setting and probable duplicates through the browser, against one
// `presence serve` and one database for the whole file (tests run in order and build on each other):
//   - the five people of stranger.test.ts are imported with `presence import`, then Ahmed Chalabi's
//     enrollment photos once more under a second name ("Ahmed Chalabi Copy", with --accept-duplicates):
//     one face under two names, six people enrolled;
//   - People: both records carry the "Probable duplicate of ..." note, naming each other; nobody else does;
//   - Settings, the match-threshold card: alpha at the default target (1 in 10,000), the sentence saying
//     what it means for the 6 people enrolled, the duplicates noted (and not tightening alpha); a looser
//     target gives a larger alpha, a stricter one a smaller alpha than the default's; the stricter one is
//     applied, and after a reload the card and the database hold the target (targetFar 0.00001), with no
//     fixed threshold;
//   - the card and the People screen once more in Simplified Chinese, for the screenshots.
// The database file is read (read-only) as the truth about what was saved.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import {
  OUTPUT_DIR,
  ROOT,
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

const PIN = '8642';
/** The five of stranger.test.ts (ident-dev "enroll" rows of LFW's first five people; test/fixtures/e2e). */
const ENROLLED: Record<string, string[]> = {
  Ahmed_Chalabi: ['Ahmed_Chalabi_0001.jpg', 'Ahmed_Chalabi_0002.jpg', 'Ahmed_Chalabi_0003.jpg'],
  Ai_Sugiyama: ['Ai_Sugiyama_0001.jpg', 'Ai_Sugiyama_0002.jpg', 'Ai_Sugiyama_0003.jpg'],
  Al_Gore: ['Al_Gore_0001.jpg', 'Al_Gore_0002.jpg'],
  Al_Sharpton: ['Al_Sharpton_0001.jpg', 'Al_Sharpton_0002.jpg', 'Al_Sharpton_0003.jpg'],
  Alastair_Campbell: ['Alastair_Campbell_0001.jpg', 'Alastair_Campbell_0002.jpg', 'Alastair_Campbell_0003.jpg'],
};
const ORIGINAL = 'Ahmed Chalabi';
/** The same photos of him, imported again under another name. */
const COPY = { folder: 'Ahmed_Chalabi_Copy', name: 'Ahmed Chalabi Copy', photos: ENROLLED.Ahmed_Chalabi! };
const PEOPLE = 6;

function presenceCli(dataDir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin', 'presence.cjs'), '--db', path.join(dataDir, 'presence.db'), ...args],
    { encoding: 'utf8', env: { ...process.env, PRESENCE_DATA_DIR: dataDir }, timeout: 300_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Copies photos into `<dir>/<folder>/`, the layout `presence import` reads (folder name = person's name). */
function peopleFolder(dir: string, people: Record<string, string[]>): string {
  for (const [folder, photos] of Object.entries(people)) {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    for (const photo of photos) fs.copyFileSync(fixture(photo), path.join(dir, folder, photo));
  }
  return dir;
}

describe('The threshold setting and probable duplicates through the browser (issue 10)', () => {
  let served: Served;
  let browser: Browser;
  let opened: Opened;
  /** Alpha shown at each target, by the slider's exponent. */
  const alphaAt = new Map<number, number>();
  printServerOutputOnFailure(() => served);

  beforeAll(async () => {
    requireTools();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-e2e-threshold-'));
    const five = peopleFolder(path.join(dataDir, 'people'), ENROLLED);
    const imported = presenceCli(dataDir, 'import', '--consent-recorded-by', 'E2E test administrator', five);
    const photos = Object.values(ENROLLED).flat().length;
    expect(imported.status, `presence import failed:\n${imported.stdout}${imported.stderr}`).toBe(0);
    expect(imported.stdout).toContain(`Imported 5 people: ${photos} photos enrolled, 0 already enrolled, 0 skipped.`);

    // Without --accept-duplicates import refuses these photos: they are already enrolled as Ahmed Chalabi.
    const copy = peopleFolder(path.join(dataDir, 'copy'), { [COPY.folder]: COPY.photos });
    const refused = presenceCli(dataDir, 'import', '--consent-recorded-by', 'E2E test administrator', copy);
    expect(refused.stdout, `presence import of the copy without --accept-duplicates:\n${refused.stderr}`).toContain(
      `not added: ${COPY.name} (no photo of them could be enrolled)`,
    );
    expect(refused.stdout).toContain('(--accept-duplicates adds it anyway)');
    const again = presenceCli(
      dataDir,
      'import',
      '--consent-recorded-by',
      'E2E test administrator',
      '--accept-duplicates',
      copy,
    );
    expect(again.status, `presence import --accept-duplicates failed:\n${again.stdout}${again.stderr}`).toBe(0);
    expect(again.stdout).toContain(
      `Imported 1 people: ${COPY.photos.length} photos enrolled, 0 already enrolled, 0 skipped.`,
    );

    served = await serve(dataDir);
    browser = await launchBrowser(null);
    opened = await openApp(browser, served);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  /** The Settings screen's threshold card, scrolled into view, once main has answered for its target. */
  async function thresholdCard(): Promise<void> {
    const { page } = opened;
    await page.getByTestId('nav-settings').click();
    await expectVisible(opened, served, 'calibration', 'the match-threshold card on the Settings screen');
    await expectVisible(opened, served, 'calibration-alpha', 'alpha calculated for the target on the slider', 60_000);
    await page.getByTestId('calibration').scrollIntoViewIfNeeded();
  }

  /**
   * A screenshot of the whole match-threshold card (its title and hint, the slider, the plot, the facts
   * and the Apply button). The card is taller than the 800 px window and the admin screens scroll inside
   * the app (not the page), so the window is made tall enough for the card for the moment of the shot.
   */
  async function cardScreenshot(name: string): Promise<string> {
    return tallScreenshot(name, opened.page.locator('.card', { has: opened.page.getByTestId('calibration') }));
  }

  /** The same for the whole Settings screen: the camera, kiosk and attendance form, the card, the PIN change. */
  async function settingsScreenshot(name: string): Promise<string> {
    return tallScreenshot(name, opened.page.getByTestId('screen-settings'), 3600);
  }

  async function tallScreenshot(name: string, element: Locator, height = 2400): Promise<string> {
    const { page } = opened;
    const file = path.join(OUTPUT_DIR, `${name}.png`);
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: viewport.width, height });
    try {
      await element.screenshot({ path: file });
    } finally {
      await page.setViewportSize(viewport);
    }
    return file;
  }

  /** Sets the slider to `exponent` (target 1 in 10^-exponent), waits for main's alpha for it, and reads it. */
  async function slideTo(exponent: number, label: string): Promise<number> {
    const { page } = opened;
    await page.getByTestId('target-far-slider').fill(String(exponent));
    expect(await page.getByTestId('target-far').innerText(), `the label for exponent ${exponent}`).toBe(label);
    return alphaShown(label);
  }

  /** Waits until the card shows main's answer for the target on the slider (Apply enabled), and reads alpha. */
  async function alphaShown(label: string): Promise<number> {
    const { page } = opened;
    const apply = page.getByTestId('calibration-apply');
    try {
      await expect
        .poll(async () => (await apply.isEnabled()) && (await apply.innerText()).includes(label), { timeout: 60_000 })
        .toBe(true);
    } catch {
      throw await failure(opened, served, `Expected the threshold card to be recalculated for ${label} within 60 s.`);
    }
    const text = await page.getByTestId('calibration-alpha').innerText();
    const alpha = Number(text);
    expect(Number.isFinite(alpha) && alpha > 0, `alpha shown as "${text}"`).toBe(true);
    return alpha;
  }

  it('has the five people and the copy enrolled, the copy with the same photos as Ahmed Chalabi', () => {
    const rows = queryDb<{ name: string; templates: number }>(
      served,
      `SELECT p.name, COUNT(t.id) AS templates FROM people p LEFT JOIN face_templates t ON t.person_id = p.id
       WHERE p.deleted_at IS NULL GROUP BY p.id ORDER BY p.name`,
    );
    expect(rows.map((r) => r.name)).toEqual(
      [...Object.keys(ENROLLED).map((f) => f.replace(/_/g, ' ')), COPY.name].sort(),
    );
    expect(rows.find((r) => r.name === COPY.name)?.templates).toBe(COPY.photos.length);
  });

  it('notes on the People screen that Ahmed Chalabi and the copy are probable duplicates of each other', async () => {
    const { page } = opened;
    expect(await unlockAdmin(opened, served, PIN), 'a fresh database must ask to set the admin PIN').toBe('set');
    await expectVisible(opened, served, 'screen-people', 'the People screen after setting the PIN');
    const rows = page.getByTestId('person-row');
    try {
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(PEOPLE);
    } catch {
      throw await failure(opened, served, `Expected ${PEOPLE} people in the People list.`);
    }
    const noteOf = (name: string) =>
      rows
        .filter({ has: page.getByTestId('person-name').filter({ hasText: new RegExp(`^${name}$`) }) })
        .getByTestId('person-duplicate');
    // The review of the gallery runs after the server loads it; the list shows its last result.
    try {
      await noteOf(ORIGINAL).first().waitFor({ state: 'visible', timeout: 5_000 });
    } catch {
      await page.getByTestId('nav-settings').click();
      await expectVisible(opened, served, 'calibration-alpha', 'the threshold card (the review behind it)', 60_000);
      await page.getByTestId('nav-people').click();
    }
    for (const [name, other] of [
      [ORIGINAL, COPY.name],
      [COPY.name, ORIGINAL],
    ] as const) {
      const note = noteOf(name);
      try {
        await note.first().waitFor({ state: 'visible', timeout: 30_000 });
      } catch {
        throw await failure(
          opened,
          served,
          `Expected "${name}" to carry a probable-duplicate note naming "${other}" (the same photos are enrolled under both names).`,
        );
      }
      expect(await note.count(), `one duplicate note on ${name}`).toBe(1);
      expect(await note.innerText()).toBe(
        `Probable duplicate of ${other}: the same face is enrolled under both names. Check both records and delete the wrong one.`,
      );
    }
    expect(await page.getByTestId('person-duplicate').count(), 'nobody else is noted as a duplicate').toBe(2);
    await screenshot(page, 'issue10-threshold-01-people-duplicates');
  });

  it('shows alpha at the default target, what it means for the 6 people enrolled, and the duplicates', async () => {
    const { page } = opened;
    await thresholdCard();
    expect(await page.getByTestId('target-far-slider').inputValue()).toBe('-4');
    const alpha = await alphaShown('1 in 10,000');
    alphaAt.set(-4, alpha);
    const meaning = await page.getByTestId('calibration-meaning').innerText();
    expect(meaning).toContain(`one of the ${PEOPLE} people enrolled here`);
    // "about 1 in 1,200" (or a percentage): the rate a stranger gets in at this alpha, and the share of an
    // enrolled person's frames turned away.
    expect(meaning).toMatch(
      new RegExp(
        `about (1 in [\\d,]+|[\\d.]+%) of the camera frames showing a stranger are taken for one of the ${PEOPLE} people`,
      ),
    );
    expect(meaning).toMatch(/Enrolled people: (1 in [\d,]+|[\d.]+%) of their frames are not accepted/);
    // One face under two names is shown, and does not tighten alpha (gallery-review.ts, threshold.ts).
    await expectVisible(opened, served, 'calibration-duplicates', 'the probable duplicates noted on the card', 10_000);
    expect(await page.getByTestId('calibration-duplicates').innerText()).toContain('1 pair');
    expect(await page.getByTestId('calibration-source').innerText()).toBe(
      "the face model's measured distances, for the people enrolled here",
    );
    await cardScreenshot('issue10-threshold-02-settings-default');
    await settingsScreenshot('issue15-settings-screen-en');
    console.log(`alpha at 1 in 10,000: ${alpha}; ${meaning}`);
  });

  it('gives a larger alpha for a looser target and a smaller one for a stricter target', async () => {
    const { page } = opened;
    const loose = await slideTo(-3, '1 in 1,000');
    alphaAt.set(-3, loose);
    expect(loose, 'alpha at 1 in 1,000 against alpha at 1 in 10,000').toBeGreaterThan(alphaAt.get(-4)!);
    const strict = await slideTo(-5, '1 in 100,000');
    alphaAt.set(-5, strict);
    expect(strict, 'alpha at 1 in 100,000 against alpha at 1 in 10,000').toBeLessThan(alphaAt.get(-4)!);
    expect(await page.getByTestId('calibration-meaning').innerText()).toContain(`one of the ${PEOPLE} people`);
    await cardScreenshot('issue10-threshold-03-settings-strict');
    console.log(`alpha by slider exponent: ${JSON.stringify(Object.fromEntries(alphaAt))}`);
  });

  it('applies the stricter target: after a reload the card and the database hold it, with no fixed threshold', async () => {
    const { page } = opened;
    await page.getByTestId('calibration-apply').click();
    try {
      await page.getByTestId('calibration').getByRole('status').waitFor({ state: 'visible', timeout: 15_000 });
    } catch {
      throw await failure(opened, served, 'Expected the "Saved" note after applying 1 in 100,000.');
    }
    const stored = () =>
      Object.fromEntries(
        queryDb<{ key: string; value: string }>(
          served,
          "SELECT key, value FROM settings WHERE key IN ('targetFar', 'threshold')",
        ).map((r) => [r.key, JSON.parse(r.value) as unknown]),
      );
    expect(stored().targetFar).toBe(0.00001);
    expect(stored().threshold ?? null, 'no fixed threshold: alpha follows the people enrolled').toBeNull();

    await page.reload();
    await page.getByTestId('app').waitFor({ timeout: 30_000 });
    await unlockAdmin(opened, served, PIN);
    await thresholdCard();
    expect(await page.getByTestId('target-far-slider').inputValue()).toBe('-5');
    expect(await page.getByTestId('target-far').innerText()).toBe('1 in 100,000');
    const alpha = await alphaShown('1 in 100,000');
    expect(alpha, 'the same alpha as before the reload').toBe(alphaAt.get(-5));
    expect(stored()).toEqual(expect.objectContaining({ targetFar: 0.00001 }));
    await cardScreenshot('issue10-threshold-04-settings-after-reload');
  });

  it('shows the threshold card and the duplicates in Simplified Chinese (screenshots for review)', async () => {
    if (!hasChineseFont()) {
      console.warn(
        'No Simplified Chinese font is installed (apt-get install fonts-noto-cjk): the zh-CN screenshots will show empty boxes.',
      );
    }
    const { page } = opened;
    await page.getByTestId('settings-locale').selectOption('zh-CN');
    await page.getByTestId('settings-save').click();
    await expectVisible(opened, served, 'settings-saved', 'the settings saved note');
    expect(queryDb(served, 'SELECT key, value FROM settings')).toContainEqual({
      key: 'locale',
      value: JSON.stringify('zh-CN'),
    });
    // Saving the form keeps the target applied before.
    expect(queryDb(served, "SELECT value FROM settings WHERE key = 'targetFar'")).toEqual([{ value: '0.00001' }]);

    try {
      await expect
        .poll(() => page.getByTestId('target-far').innerText(), { timeout: 15_000 })
        .toBe('100,000 次中 1 次');
    } catch {
      throw await failure(opened, served, 'Expected the threshold card in Chinese after saving the locale zh-CN.');
    }
    await page.getByTestId('calibration').scrollIntoViewIfNeeded();
    const meaning = await page.getByTestId('calibration-meaning').innerText();
    expect(meaning).toContain(`本站 ${PEOPLE} 位已登记人员之一`);
    await expectVisible(opened, served, 'calibration-duplicates', 'the probable duplicates noted on the card', 10_000);
    expect(await page.getByTestId('calibration-duplicates').innerText()).toContain('有 1 对记录');
    expect(await page.getByTestId('calibration-source').innerText()).toBe('人脸模型实测的距离分布（按本站登记人数）');
    expect(await page.getByTestId('calibration').innerText()).not.toMatch(/calibration\.|\{\{/);
    await cardScreenshot('issue10-threshold-05-zh-settings');
    await settingsScreenshot('issue15-settings-screen-zh');

    await page.getByTestId('nav-people').click();
    await expectVisible(opened, served, 'person-duplicate', 'the probable-duplicate notes in Chinese');
    const notes = await page.getByTestId('person-duplicate').allInnerTexts();
    expect(notes.sort()).toEqual(
      [
        `可能与 ${COPY.name} 重复：两个姓名下登记的是同一张脸。请核对这两条记录并删除错误的一条。`,
        `可能与 ${ORIGINAL} 重复：两个姓名下登记的是同一张脸。请核对这两条记录并删除错误的一条。`,
      ].sort(),
    );
    expect(await page.getByTestId('screen-people').innerText()).not.toMatch(/people\.|\{\{/);
    await screenshot(page, 'issue10-threshold-06-zh-people');
  });
});
