import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  canonicalPoints,
  invertAffine,
  mirror,
  similarityTo,
  warpAffine,
  ARCFACE_112,
} from '../../src/main/engine/align';
import { centredFaceLandmarks } from '../../src/main/engine/eval-photo';
import type { Point } from '../../src/shared/face';

describe('similarity transform', () => {
  it('recovers a known rotation + scale + shift', () => {
    const angle = 0.3,
      s = 2.5,
      tx = 40,
      ty = -7;
    const dst = ARCFACE_112.map((p) => [...p] as Point);
    const src = dst.map(
      ([u, v]) =>
        [
          s * (Math.cos(angle) * u - Math.sin(angle) * v) + tx,
          s * (Math.sin(angle) * u + Math.cos(angle) * v) + ty,
        ] as Point,
    );
    const m = similarityTo(dst, src);
    dst.forEach((p, i) => {
      const q = applyAffine(m, p);
      expect(q[0]).toBeCloseTo(src[i][0], 6);
      expect(q[1]).toBeCloseTo(src[i][1], 6);
    });
    const back = applyAffine(invertAffine(m), src[2]);
    expect(back[0]).toBeCloseTo(dst[2][0], 6);
  });
  it('canonical points scale with crop size and zoom', () => {
    expect(canonicalPoints(112)[0][0]).toBeCloseTo(38.2946);
    const z = canonicalPoints(224, 0.5);
    expect(z[0][0]).toBeCloseTo(((38.2946 / 112 - 0.5) * 0.5 + 0.5) * 224);
  });
  it('centred fallback points sit in the middle of any photo', () => {
    const p = centredFaceLandmarks(150, 150);
    expect(p[0][0]).toBeLessThan(p[1][0]);
    expect((p[0][0] + p[1][0]) / 2).toBeCloseTo(75 * 0.985, 0);
  });
});

describe('warp', () => {
  it('identity warp copies pixels and mirror flips them', () => {
    const img = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
    const out = warpAffine(img, [1, 0, 0, 0, 1, 0], 4, 2);
    expect(Array.from(out)).toEqual(Array.from(img.data));
    const m = mirror(out, 4, 2);
    expect(Array.from(m.subarray(0, 3))).toEqual(Array.from(out.subarray(9, 12)));
  });
  it('averages when shrinking, so a fine checkerboard turns grey instead of aliasing', () => {
    const W = 64,
      data = new Uint8Array(W * W * 3);
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++) data.fill((x + y) % 2 ? 255 : 0, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const out = warpAffine({ width: W, height: W, data }, [4, 0, 1.5, 0, 4, 1.5], 16, 16);
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });
});
