import { describe, expect, it } from 'vitest';
import { photoBatches } from '../../src/renderer/lib/photo-batches';
import { MAX_IMAGE_BYTES, MAX_PHOTOS_PER_IMPORT } from '../../src/shared/limits';

describe('photoBatches', () => {
  it('keeps the order, stays within the byte budget and the per-call count, and sets aside what cannot fit', () => {
    expect(photoBatches([5, 4, 3, 9, 1], 10)).toEqual({ batches: [[0, 1], [2], [3, 4]], tooLarge: [] });
    expect(photoBatches([11, 2, MAX_IMAGE_BYTES + 1], 10)).toEqual({ batches: [[1]], tooLarge: [0, 2] });
    const many = photoBatches(Array.from({ length: 120 }, () => 1));
    expect(many.batches.map((b) => b.length)).toEqual([MAX_PHOTOS_PER_IMPORT, MAX_PHOTOS_PER_IMPORT, 20]);
    expect(photoBatches([])).toEqual({ batches: [], tooLarge: [] });
  });
});
