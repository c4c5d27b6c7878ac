// Which encoder the gallery uses on start (planGallery), and the face chip's binary layout.
import { describe, expect, it } from 'vitest';
import type { EncoderCensusRow } from '../../src/main/db';
import { peopleWithoutChips, planGallery } from '../../src/main/domain/reembed';
import { CHIP_FORMAT_VERSION, decodeChip, encodeChip } from '../../src/main/engine/chip';

const NEW = 'mfn-foamliu';
const OLD = 'dlib128-a51-flip';
const row = (personId: string, modelId: string, templates: number, withChip: number): EncoderCensusRow => ({
  personId,
  modelId,
  templates,
  withChip,
});

describe('planGallery', () => {
  it('uses the default encoder when there are no templates, or all are of it', () => {
    expect(planGallery([], NEW)).toEqual({
      galleryEncoder: NEW,
      defaultEncoder: NEW,
      withoutChips: 0,
      toReembed: 0,
      toDrop: 0,
    });
    // Templates of the default encoder need no chip.
    expect(planGallery([row('a', NEW, 3, 0), row('b', NEW, 2, 2)], NEW)).toMatchObject({
      galleryEncoder: NEW,
      withoutChips: 0,
      toReembed: 0,
    });
  });

  it('moves to the default encoder, re-embedding from chips, when every older template has one', () => {
    expect(planGallery([row('a', OLD, 3, 3), row('b', OLD, 2, 2), row('c', NEW, 1, 1)], NEW)).toEqual({
      galleryEncoder: NEW,
      defaultEncoder: NEW,
      withoutChips: 0,
      toReembed: 5,
      toDrop: 0,
    });
  });

  it('keeps the older encoder for everyone while someone has only chipless templates of it', () => {
    const plan = planGallery([row('a', OLD, 3, 0), row('b', OLD, 2, 2), row('c', NEW, 1, 1)], NEW);
    expect(plan).toEqual({ galleryEncoder: OLD, defaultEncoder: NEW, withoutChips: 1, toReembed: 1, toDrop: 0 });
    // c's template of the new encoder is embedded again into the older one: one gallery, one encoder.
  });

  it('counts people, not templates, and lets a person re-enrolled with chips move', () => {
    // a was enrolled again (one template with a chip beside three without): movable, the three are dropped.
    expect(planGallery([row('a', OLD, 4, 1), row('b', OLD, 2, 2)], NEW)).toEqual({
      galleryEncoder: NEW,
      defaultEncoder: NEW,
      withoutChips: 0,
      toReembed: 3,
      toDrop: 3,
    });
    // a person with a template of the default encoder is not held back by their older chipless ones
    expect(planGallery([row('a', OLD, 2, 0), row('a', NEW, 1, 1)], NEW)).toMatchObject({
      galleryEncoder: NEW,
      withoutChips: 0,
      toDrop: 2,
    });
    expect([...peopleWithoutChips([row('a', OLD, 2, 0), row('b', OLD, 5, 0), row('c', OLD, 1, 1)], NEW)]).toEqual([
      'a',
      'b',
    ]);
  });

  it('keeps the older encoder most held-back people were enrolled with, and never one it cannot run', () => {
    const census = [row('a', OLD, 1, 0), row('b', 'dlib128', 3, 0), row('c', 'dlib128', 1, 0)];
    expect(planGallery(census, NEW)).toMatchObject({ galleryEncoder: 'dlib128', withoutChips: 3 });
    const gone = [row('a', 'retired-encoder', 2, 0), row('b', OLD, 1, 1)];
    expect(planGallery(gone, NEW, (id) => id !== 'retired-encoder')).toMatchObject({
      galleryEncoder: NEW,
      withoutChips: 1,
      toReembed: 1,
    });
  });
});

describe('face chip layout', () => {
  const five: [number, number][] = [
    [80.5, 100.25],
    [143.5, 100],
    [112, 136],
    [86, 172.5],
    [138, 172],
  ];
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

  it('round-trips the size, the points and the JPEG, version byte first', () => {
    const dlib51 = Array.from({ length: 51 }, (_, i): [number, number] => [i, 2 * i + 0.5]);
    const bytes = encodeChip({ size: 224, five, dlib51, jpeg });
    expect(bytes[0]).toBe(CHIP_FORMAT_VERSION);
    expect(bytes.length).toBe(5 + 56 * 8 + jpeg.length);
    expect(decodeChip(bytes)).toEqual({ size: 224, five, dlib51, jpeg });
    const plain = decodeChip(encodeChip({ size: 224, five, jpeg }));
    expect(plain).toEqual({ size: 224, five, jpeg });
    expect('dlib51' in plain).toBe(false);
  });

  it('refuses an unknown version and a damaged chip', () => {
    const bytes = encodeChip({ size: 224, five, jpeg });
    const future = Uint8Array.from(bytes);
    future[0] = CHIP_FORMAT_VERSION + 1;
    expect(() => decodeChip(future)).toThrow(/format version 2.*Update Presence/);
    expect(() => decodeChip(bytes.subarray(0, 30))).toThrow(/damaged/);
    const nan = Uint8Array.from(bytes);
    new DataView(nan.buffer).setFloat32(5, NaN, true);
    expect(() => decodeChip(nan)).toThrow(/damaged/);
  });
});
