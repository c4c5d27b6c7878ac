// The LFW and ident runners end to end on a tiny LFW-layout folder built from the fixture photos.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationEngine } from '../../src/main/engine/index';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { evaluateIdent, evaluateLfw } from '../../src/main/evaluation/index';
import { distanceAtFar, perComparisonFar } from '../../src/shared/distance-table';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

const fixtures = path.resolve(__dirname, '../fixtures');
const dir = mkdtempSync(path.join(os.tmpdir(), 'presence-eval-test-'));
const images = path.join(dir, 'images');
let engine: EvaluationEngine;

function place(name: string, n: number, from: string) {
  mkdirSync(path.join(images, name), { recursive: true });
  copyFileSync(from, path.join(images, name, `${name}_${String(n).padStart(4, '0')}.jpg`));
}

beforeAll(async () => {
  place('Aaron_Peirsol', 1, path.join(fixtures, 'faces/Aaron_Peirsol_0001.jpg'));
  place('Aaron_Peirsol', 2, path.join(fixtures, 'faces/Aaron_Peirsol_0002.jpg'));
  place('George_W_Bush', 1, path.join(fixtures, 'faces/George_W_Bush_0001.jpg'));
  place('George_W_Bush', 2, path.join(fixtures, 'faces/George_W_Bush_0002.jpg'));
  place('Al_Gore', 1, path.join(fixtures, 'faces/Al_Gore_0001.jpg'));
  place('Nobody', 1, path.join(fixtures, 'images/no-face-gradient.jpg'));
  engine = createInProcessEngine();
  await engine.start();
});
afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('evaluation runners', () => {
  it('evaluateLfw returns the specified JSON, counting a faceless photo as a failure', async () => {
    // View 2 layout: 2 folds of 2 same + 2 different pairs
    const pairs = [
      '2\t2',
      'Aaron_Peirsol\t1\t2',
      'George_W_Bush\t1\t2',
      'Aaron_Peirsol\t1\tGeorge_W_Bush\t1',
      'Al_Gore\t1\tNobody\t1',
      'George_W_Bush\t2\t1',
      'Aaron_Peirsol\t2\t1',
      'Aaron_Peirsol\t2\tAl_Gore\t1',
      'George_W_Bush\t2\tAl_Gore\t1',
    ].join('\n');
    writeFileSync(path.join(dir, 'pairs.txt'), pairs);
    const progress: number[] = [];
    const r = await evaluateLfw({
      pairsFile: path.join(dir, 'pairs.txt'),
      imagesDir: images,
      engine,
      onProgress: (d) => progress.push(d),
    });
    expect(Object.keys(r).sort()).toEqual(
      [
        'accuracy',
        'auc',
        'backend',
        'encoder',
        'failures',
        'folds',
        'msPerImageP50',
        'pairs',
        'std',
        'tarAtFar1e3',
      ].sort(),
    );
    expect(r.pairs).toBe(8);
    expect(r.folds).toBe(2);
    expect(r.failures).toBe(1);
    expect(progress.at(-1)).toBe(6);
    expect(r.auc).toBe(1);
    expect(r.accuracy).toBe(1);
    expect(r.msPerImageP50).toBeGreaterThan(0);
    expect(r.encoder).toBe(engine.status().encoderId);
    expect(r.backend).toBe(engine.status().backend);
  });

  it('stops with the missing photo named, instead of scoring a wrong --images folder as faceless', async () => {
    writeFileSync(
      path.join(dir, 'pairs-typo.txt'),
      ['1', 'Aaron_Peirsol\t1\t2', 'Aaron_Peirsol\t1\tAl_Gore\t9'].join('\n'),
    );
    await expect(
      evaluateLfw({ pairsFile: path.join(dir, 'pairs-typo.txt'), imagesDir: images, engine }),
    ).rejects.toThrow(
      /Missing from .*: 1 of the 3 photos named in the list \(the first: .*Al_Gore_0009\.jpg\)\. Check --images/,
    );
    writeFileSync(path.join(dir, 'ident-typo.tsv'), 'role\tidentity\timage\nenroll\tX\tX/X_0001.jpg\n');
    await expect(
      evaluateIdent({ listFile: path.join(dir, 'ident-typo.tsv'), imagesDir: images, engine }),
    ).rejects.toThrow(/Missing from/);
  });

  it('evaluateIdent enrolls, identifies probes and rejects impostors', async () => {
    const list = [
      'role\tidentity\timage',
      'enroll\tAaron_Peirsol\tAaron_Peirsol/Aaron_Peirsol_0001.jpg',
      'enroll\tGeorge_W_Bush\tGeorge_W_Bush/George_W_Bush_0001.jpg',
      'probe\tAaron_Peirsol\tAaron_Peirsol/Aaron_Peirsol_0002.jpg',
      'probe\tGeorge_W_Bush\tGeorge_W_Bush/George_W_Bush_0002.jpg',
      'impostor\tAl_Gore\tAl_Gore/Al_Gore_0001.jpg',
    ].join('\n');
    writeFileSync(path.join(dir, 'ident.tsv'), list);
    const r = await evaluateIdent({ listFile: path.join(dir, 'ident.tsv'), imagesDir: images, engine });
    expect(Object.keys(r).sort()).toEqual(
      [
        'alpha',
        'enrolled',
        'failures',
        'falseAcceptRate',
        'fnirAtDefault',
        'fnirAtFpir1e2',
        'fnirAtFpir1e3',
        'impostors',
        'msPerImageP50',
        'probes',
        'rank1',
        'thresholdSource',
      ].sort(),
    );
    // The app's own decision at default settings for this gallery of two: alpha from the encoder's table
    // at the default target over two people; both probes accepted as themselves, the stranger turned away.
    const table = engine.status().distances!;
    expect(r.alpha).toBeCloseTo(distanceAtFar(table, perComparisonFar(DEFAULT_SETTINGS.targetFar, 2)).distance, 3);
    expect(r).toMatchObject({ thresholdSource: 'table', fnirAtDefault: 0, falseAcceptRate: 0 });
    expect(r).toMatchObject({
      enrolled: 2,
      probes: 2,
      impostors: 1,
      rank1: 1,
      fnirAtFpir1e2: 0,
      fnirAtFpir1e3: 0,
      failures: 0,
    });
  });
});
