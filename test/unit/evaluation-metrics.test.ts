import { describe, expect, it } from 'vitest';
import {
  auc,
  bestThreshold,
  fnirAtFpir,
  percentile,
  rank1,
  tarAtFar,
  tenFold,
  thresholdAtRate,
} from '../../src/main/evaluation/metrics';
import { parseIdentList, parsePairs } from '../../src/main/evaluation/pairs';

describe('bestThreshold', () => {
  it('separates perfectly separable scores', () => {
    const r = bestThreshold([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
    expect(r.accuracy).toBe(1);
    expect(r.threshold).toBeGreaterThan(0.2);
    expect(r.threshold).toBeLessThanOrEqual(0.8);
  });
  it('picks the accuracy-maximising cut when classes overlap', () => {
    // best cut is between 0.5 and 0.6: only the 0.7 negative is wrong
    const r = bestThreshold([0.1, 0.3, 0.7, 0.5, 0.6, 0.9], [false, false, false, false, true, true]);
    expect(r.accuracy).toBeCloseTo(5 / 6);
    expect(r.threshold).toBeCloseTo(0.55);
  });
});

describe('tenFold', () => {
  it('chooses each fold threshold on the other folds only', () => {
    // 2 folds. Fold 0 is clean at 0.5; fold 1's positives all sit at 0.3, below fold 0's cut.
    const scores = [0.9, 0.8, 0.1, 0.15, 0.3, 0.3, 0.1, 0.0];
    const same = [true, true, false, false, true, true, false, false];
    const fold = [0, 0, 0, 0, 1, 1, 1, 1];
    const r = tenFold(scores, same, fold, 2);
    // threshold for fold 0 comes from fold 1 (cut ~0.2): fold 0 all right.
    expect(r.foldAccuracies[0]).toBe(1);
    // threshold for fold 1 comes from fold 0 (cut between 0.15 and 0.8): its positives at 0.3 are rejected.
    expect(r.thresholds[1]).toBeCloseTo(0.475);
    expect(r.foldAccuracies[1]).toBe(0.5);
    expect(r.accuracy).toBeCloseTo(0.75);
    expect(r.std).toBeCloseTo(0.25);
  });
  it('leaves empty folds out of the mean', () => {
    const r = tenFold([0.9, 0.1, 0.8, 0.2], [true, false, true, false], [0, 0, 1, 1], 10);
    expect(r.accuracy).toBe(1);
    expect(r.std).toBe(0);
    expect(r.foldAccuracies.filter((a) => Number.isNaN(a))).toHaveLength(8);
  });
  it('gives 100% on a separable 10-fold set', () => {
    const scores: number[] = [],
      same: boolean[] = [],
      fold: number[] = [];
    for (let f = 0; f < 10; f++)
      for (let i = 0; i < 10; i++) {
        scores.push(i < 5 ? 0.7 + i * 0.01 : 0.2 + i * 0.01);
        same.push(i < 5);
        fold.push(f);
      }
    const r = tenFold(scores, same, fold);
    expect(r.accuracy).toBe(1);
    expect(r.std).toBe(0);
  });
});

describe('auc and TAR@FAR', () => {
  it('auc is 1 for separable, 0.5 for identical and counts ties half', () => {
    expect(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(auc([0.5, 0.5, 0.5, 0.5], [true, true, false, false])).toBe(0.5);
    expect(auc([0.9, 0.2, 0.5, 0.1], [true, true, false, false])).toBe(0.75);
  });
  it('TAR at FAR admits no more than the allowed share of impostors', () => {
    const neg = Array.from({ length: 1000 }, (_, i) => i / 1000); // 0 .. 0.999
    const pos = [0.9985, 0.999, 0.5, 1.2];
    const scores = [...neg, ...pos];
    const same = [...neg.map(() => false), ...pos.map(() => true)];
    // FAR 1e-3 of 1000 negatives: one may pass (0.999), so the threshold sits just above 0.998
    const t = thresholdAtRate(neg, 1e-3);
    expect(t).toBeGreaterThan(0.998);
    expect(t).toBeLessThanOrEqual(0.999);
    expect(tarAtFar(scores, same, 1e-3)).toBeCloseTo(3 / 4);
    // with FAR 0 no negative passes
    expect(tarAtFar(scores, same, 0)).toBeCloseTo(1 / 4);
  });
});

describe('open-set identification', () => {
  it('rank-1 and FNIR at FPIR', () => {
    const probes = [
      { correct: true, score: 0.9 },
      { correct: true, score: 0.6 },
      { correct: false, score: 0.95 },
      { correct: true, score: 0.4 },
    ];
    const impostors = Array.from({ length: 100 }, (_, i) => i / 200); // 0 .. 0.495
    expect(rank1(probes)).toBe(0.75);
    // FPIR 1%: one impostor (0.495) may pass -> threshold just above 0.49: the 0.4 probe fails, the wrong one fails
    expect(fnirAtFpir(probes, impostors, 1e-2)).toBe(0.5);
    // FPIR 0.1% of 100 impostors: none may pass -> threshold just above 0.495
    expect(fnirAtFpir(probes, impostors, 1e-3)).toBe(0.5);
    expect(fnirAtFpir(probes, [0.95], 0)).toBe(1);
  });
  it('percentile interpolates', () => {
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});

describe('pairs and list parsing', () => {
  it('reads the one-count format into 10 ordered folds', () => {
    const same = Array.from({ length: 20 }, (_, i) => `A ${i + 1} ${i + 2}`);
    const diff = Array.from({ length: 20 }, (_, i) => `A ${i + 1} B ${i + 1}`);
    const { pairs, folds } = parsePairs(['20', ...same, ...diff].join('\n'), '/img');
    expect(folds).toBe(10);
    expect(pairs).toHaveLength(40);
    expect(pairs[0]).toEqual({ a: '/img/A/A_0001.jpg', b: '/img/A/A_0002.jpg', same: true, fold: 0 });
    expect(pairs[3].fold).toBe(1);
    expect(pairs[20]).toMatchObject({ b: '/img/B/B_0001.jpg', same: false, fold: 0 });
    expect(pairs[39].fold).toBe(9);
  });
  it('reads the View 2 format (folds x perFold)', () => {
    const lines = ['2\t2'];
    for (let f = 0; f < 2; f++) lines.push(`P ${f} ${f + 1}`, `P ${f + 2} ${f + 3}`, `P 1 Q ${f}`, `P 2 Q ${f + 5}`);
    const { pairs, folds } = parsePairs(lines.join('\n'), 'D');
    expect(folds).toBe(2);
    expect(pairs.map((p) => [p.same, p.fold])).toEqual([
      [true, 0],
      [true, 0],
      [false, 0],
      [false, 0],
      [true, 1],
      [true, 1],
      [false, 1],
      [false, 1],
    ]);
  });
  it('rejects a short file', () => {
    expect(() => parsePairs('5\nA 1 2', '/x')).toThrow(/promises/);
  });
  it('rejects an image number that is not a whole number, instead of looking for "A_0NaN.jpg"', () => {
    expect(() => parsePairs('1\nA one 2\nA 1 B 2', '/x')).toThrow(/"A one 2" \(image numbers are whole numbers\)/);
  });
  it('reads the ident list', () => {
    const rows = parseIdentList('role\tidentity\timage\nenroll\tA\tA/A_0001.jpg\nimpostor\tZ\tZ/Z_0001.jpg\n', '/d');
    expect(rows).toEqual([
      { role: 'enroll', identity: 'A', image: '/d/A/A_0001.jpg' },
      { role: 'impostor', identity: 'Z', image: '/d/Z/Z_0001.jpg' },
    ]);
  });
});
