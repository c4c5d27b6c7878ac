// Real models on real LFW photos (test/fixtures/faces/SOURCE.md), in-process engine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationEngine, FaceEngine } from '../../src/main/engine/index';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { FACE_WIDTH_PX } from '../../src/main/engine/quality';
import { REDETECT_EVERY } from '../../src/main/engine/tracker';
import type { AnalyzeResult } from '../../src/shared/face';
import { distanceAtFar } from '../../src/shared/distance-table';

const faces = path.resolve(__dirname, '../fixtures/faces');
const images = path.resolve(__dirname, '../fixtures/images');
const file = (dir: string, name: string) => ({ kind: 'file' as const, path: path.join(dir, name) });

let engine: EvaluationEngine;
beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.start();
});
afterAll(async () => {
  await engine?.stop();
});

function dist(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}
async function one(name: string, dir = faces): Promise<AnalyzeResult> {
  return engine.analyze(file(dir, name));
}

describe('face engine (in-process, real models)', () => {
  it('reports a ready status with backend, encoder and models', () => {
    const s = engine.status();
    expect(s.state).toBe('ready');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(s.backend);
    expect(s.encoderId).toBeTruthy();
    expect(s.embeddingSize).toBeGreaterThan(0);
    expect(s.defaultThreshold).toBeGreaterThan(0);
    expect(s.models.map((m) => m.role)).toEqual(
      expect.arrayContaining(['detector', 'landmarks', 'encoder', 'liveness']),
    );
    expect(s.loadMs).toBeGreaterThan(0);
  });

  it('finds the face in a deep-funneled photo with five plausible landmarks', async () => {
    const r = await one('Aaron_Peirsol_0001.jpg');
    expect(r.width).toBe(250);
    expect(r.faces).toHaveLength(1);
    const f = r.faces[0];
    // LFW deep-funneled faces are centred, about 110 px wide
    expect(f.box.x + f.box.width / 2).toBeGreaterThan(100);
    expect(f.box.x + f.box.width / 2).toBeLessThan(150);
    expect(f.box.width).toBeGreaterThan(80);
    expect(f.box.width).toBeLessThan(160);
    expect(f.score).toBeGreaterThan(0.5);
    const [re, le, nose, mr, ml] = f.landmarks;
    expect(f.landmarks).toHaveLength(5);
    expect(re[0]).toBeLessThan(le[0]); // the person's right eye is on the image's left
    expect(mr[0]).toBeLessThan(ml[0]);
    expect(nose[1]).toBeGreaterThan(re[1]);
    expect(mr[1]).toBeGreaterThan(nose[1]);
    for (const p of f.landmarks) {
      expect(p[0]).toBeGreaterThan(f.box.x - 10);
      expect(p[0]).toBeLessThan(f.box.x + f.box.width + 10);
    }
    let n = 0;
    for (const v of f.embedding) n += v * v;
    expect(f.embedding.length).toBe(engine.status().embeddingSize);
    expect(Math.sqrt(n)).toBeCloseTo(1, 4);
    expect(f.quality.faceSizePx).toBeCloseTo(f.box.width);
    expect(Math.abs(f.quality.yaw)).toBeLessThan(20);
    expect(f.quality.sharpness).toBeGreaterThan(0);
    expect(f.liveness).not.toBeNull();
    expect(r.timings.detectMs).toBeGreaterThan(0);
    expect(r.timings.embedMs).toBeGreaterThan(0);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.embedMs!);
  });

  it('puts two photos of one person nearer than photos of two people', async () => {
    const [a1, a2, g1, g2, al] = await Promise.all(
      [
        'Aaron_Peirsol_0001.jpg',
        'Aaron_Peirsol_0002.jpg',
        'George_W_Bush_0001.jpg',
        'George_W_Bush_0002.jpg',
        'Al_Gore_0001.jpg',
      ].map(async (n) => (await one(n)).faces[0].embedding),
    );
    const genuine = [dist(a1, a2), dist(g1, g2)];
    const impostor = [
      dist(a1, g1),
      dist(a1, g2),
      dist(a2, g1),
      dist(a2, g2),
      dist(a1, al),
      dist(g1, al),
      dist(g2, al),
      dist(a2, al),
    ];
    expect(Math.max(...genuine)).toBeLessThan(Math.min(...impostor));
    // The threshold the app would use with one person enrolled (the encoder's table at 1e-3).
    const alpha = distanceAtFar(engine.status().distances!, 1e-3).distance;
    expect(Math.max(...genuine)).toBeLessThan(alpha);
    expect(Math.min(...impostor)).toBeGreaterThan(alpha);

    // The default encoder has no mirror pass (mfn-foamliu scores best on LFW dev without one), so the
    // kiosk's `mirror: false` gives exactly the same embedding.
    const g2Plain = (await engine.analyze(file(faces, 'George_W_Bush_0002.jpg'), { liveness: false, mirror: false }))
      .faces[0].embedding;
    expect(g2Plain).toEqual(g2);
  });

  it('finds the small face in an unaligned 150 px photo', async () => {
    const r = await one('raw150_Aaron_Peirsol_0003.jpg');
    expect(r.faces.length).toBeGreaterThanOrEqual(1);
    expect(r.faces[0].quality.faceSizePx).toBeLessThan(FACE_WIDTH_PX.reliable + 20);
  });

  it('returns no faces for a photo without one', async () => {
    const r = await one('no-face-gradient.jpg', images);
    expect(r.faces).toEqual([]);
    expect(r.width).toBe(320);
  });

  it('finds both faces, largest first', async () => {
    const r = await one('two-faces.jpg', images);
    expect(r.faces).toHaveLength(2);
    expect(r.faces[0].box.width).toBeGreaterThan(r.faces[1].box.width);
    expect(r.faces[0].box.x).toBeGreaterThan(300); // the larger photo was placed on the right
    const one1 = await engine.analyze(file(images, 'two-faces.jpg'), { maxFaces: 1, liveness: false });
    expect(one1.faces).toHaveLength(1);
    expect(one1.faces[0].liveness).toBeNull();
    // embedFaces: both located, only the largest embedded and checked for liveness (the kiosk's case)
    const first = await engine.analyze(file(images, 'two-faces.jpg'), { liveness: true, embedFaces: 1 });
    expect(first.faces).toHaveLength(2);
    expect(first.faces[0].embedding).toHaveLength(128);
    expect(first.faces[0].liveness).toEqual(expect.any(Number));
    expect(first.faces[1].embedding).toHaveLength(0);
    expect(first.faces[1].liveness).toBeNull();
    expect(first.faces[1].box).toEqual(r.faces[1].box);
    expect(first.faces[0].embedding).toEqual(r.faces[0].embedding);
  });

  it('takes the centred face of an LFW-style photo for evaluation, not a larger one cut by the border', async () => {
    // Colin Farrell in the centre; a larger face of another man fills the top-left corner.
    const r = await one('Colin_Farrell_0003.jpg');
    expect(r.faces.length).toBeGreaterThanOrEqual(2);
    const offCentre = (f: (typeof r.faces)[number]) =>
      Math.hypot(f.box.x + f.box.width / 2 - r.width / 2, f.box.y + f.box.height / 2 - r.height / 2);
    const subject = r.faces.reduce((a, b) => (offCentre(b) < offCentre(a) ? b : a));
    expect(subject).not.toBe(r.faces[0]); // analyze() lists the larger corner face first
    expect(offCentre(subject)).toBeLessThan(30);
    const e = await engine.embedForEvaluation(file(faces, 'Colin_Farrell_0003.jpg'));
    expect(e.found).toBe(true);
    expect(dist(e.embedding, subject.embedding)).toBeLessThan(1e-4);
    expect(dist(e.embedding, r.faces[0].embedding)).toBeGreaterThan(0.5);
  });

  it('honours EXIF orientation', async () => {
    const r = await one('exif-rotated-face.jpg', images);
    expect(r.faces).toHaveLength(1);
    expect(Math.abs(r.faces[0].quality.roll)).toBeLessThan(15);
  });

  it('reads PNG, WebP, raw bytes and RGBA frames alike', async () => {
    const png = await one('face.png', images);
    const webp = await one('face.webp', images);
    const bytes = await engine.analyze({
      kind: 'bytes',
      bytes: new Uint8Array(readFileSync(path.join(images, 'face.png'))),
      name: 'face.png',
    });
    const { data, info } = await sharp(path.join(images, 'frame-640x480-one-face.jpg'))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = await engine.analyze(
      { kind: 'rgba', frame: { width: info.width, height: info.height, rgba: new Uint8Array(data) } },
      { thumbnail: true },
    );
    expect(png.faces).toHaveLength(1);
    expect(webp.faces).toHaveLength(1);
    expect(dist(png.faces[0].embedding, bytes.faces[0].embedding)).toBeLessThan(1e-5);
    expect(frame.width).toBe(640);
    expect(frame.faces).toHaveLength(1);
    expect(frame.faces[0].box.x).toBeGreaterThan(170);
    const jpeg = frame.faces[0].thumbnailJpeg!;
    expect(jpeg[0]).toBe(0xff);
    expect(jpeg[1]).toBe(0xd8);
  });

  it('reports quality reasons: blurred and too small', async () => {
    const src = path.join(faces, 'George_W_Bush_0002.jpg');
    const sharpFace = (await one('George_W_Bush_0002.jpg')).faces[0].quality;
    const blurred = await engine.analyze({
      kind: 'bytes',
      bytes: new Uint8Array(await sharp(src).blur(2).jpeg().toBuffer()),
    });
    expect(sharpFace.reasons).not.toContain('blurred');
    expect(blurred.faces[0].quality.reasons).toContain('blurred');
    expect(blurred.faces[0].quality.sharpness).toBeLessThan(sharpFace.sharpness / 3);
    const small = await one('raw150_Aaron_Peirsol_0003.jpg');
    expect(small.faces[0].quality.reasons).toContain('too_small');
    expect(small.faces[0].quality.ok).toBe(false);
  });

  it('refuses corrupt and unsupported files with an actionable error', async () => {
    await expect(one('corrupt-truncated.jpg', images)).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    await expect(one('not-an-image.jpg', images)).rejects.toMatchObject({
      code: 'IMAGE_UNSUPPORTED',
      message: expect.stringMatching(/JPEG, PNG or WebP/),
    });
    await expect(
      engine.analyze({ kind: 'rgba', frame: { width: 10, height: 10, rgba: new Uint8Array(5) } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // the engine still works after errors
    expect((await one('Al_Gore_0001.jpg')).faces).toHaveLength(1);
  });

  it('follows a face across the frames of a stream, detecting again periodically and when it is gone', async () => {
    const { data, info } = await sharp(path.join(images, 'frame-640x480-one-face.jpg'))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const frame = () => ({
      kind: 'rgba' as const,
      frame: { width: info.width, height: info.height, rgba: new Uint8Array(data) },
    });
    const live = { liveness: false, embedFaces: 1, mirror: false, track: 'camera-1' };
    const detected = await engine.analyze(frame(), live);
    expect(detected.timings.detectMs).toEqual(expect.any(Number));
    const detectRuns: boolean[] = [];
    for (let i = 0; i < REDETECT_EVERY; i++) {
      const r = await engine.analyze(frame(), live);
      detectRuns.push(r.timings.detectMs !== undefined);
      expect(r.faces).toHaveLength(1);
      // the same face, found from the last frame's landmarks: same place, same person
      expect(Math.abs(r.faces[0].box.x - detected.faces[0].box.x)).toBeLessThan(6);
      expect(Math.abs(r.faces[0].box.width - detected.faces[0].box.width)).toBeLessThan(8);
      expect(dist(r.faces[0].embedding, detected.faces[0].embedding)).toBeLessThan(0.12);
    }
    expect(detectRuns).toEqual([false, false, false, false, true]);
    // the person leaves: the followed face is not found, the detector runs and finds nobody
    const empty = {
      width: info.width,
      height: info.height,
      rgba: new Uint8Array(info.width * info.height * 4).fill(90),
    };
    const gone = await engine.analyze({ kind: 'rgba', frame: empty }, live);
    expect(gone.faces).toHaveLength(0);
    expect(gone.timings.detectMs).toEqual(expect.any(Number));

    // streams are separate, and files are never tracked: while camera-1 follows its face, camera-2 and a
    // photo file of the same size still run the detector, and camera-1 goes on following
    const detects = async (input: Parameters<FaceEngine['analyze']>[0], track: string) =>
      (await engine.analyze(input, { ...live, track })).timings.detectMs !== undefined;
    expect(await detects(frame(), 'camera-1')).toBe(true);
    expect(await detects(frame(), 'camera-1')).toBe(false);
    expect(await detects(frame(), 'camera-2')).toBe(true);
    expect(await detects(file(images, 'frame-640x480-one-face.jpg'), 'camera-1')).toBe(true);
    expect(await detects(frame(), 'camera-1')).toBe(false);
    // a stream started afresh (its kiosk screen was reset) forgets the face it followed
    expect((await engine.analyze(frame(), { ...live, trackFresh: true })).timings.detectMs).toEqual(expect.any(Number));
    expect(await detects(frame(), 'camera-1')).toBe(false);
  });

  it('does not follow a face while others are in the frame: every frame shows them all', async () => {
    const { data, info } = await sharp(path.join(images, 'two-faces.jpg'))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let i = 0; i < 3; i++) {
      const r = await engine.analyze(
        { kind: 'rgba', frame: { width: info.width, height: info.height, rgba: new Uint8Array(data) } },
        { liveness: false, embedFaces: 1, mirror: false, track: 'crowd' },
      );
      expect(r.faces).toHaveLength(2);
      expect(r.timings.detectMs).toEqual(expect.any(Number));
    }
  });

  it('leaves no tensor behind over 50 analyses', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(images, 'two-faces.jpg')));
    await engine.analyze({ kind: 'bytes', bytes });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) await engine.analyze({ kind: 'bytes', bytes }, { thumbnail: i % 10 === 0 });
    const rgba = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const tracked = { width: rgba.info.width, height: rgba.info.height, rgba: new Uint8Array(rgba.data) };
    for (let i = 0; i < 20; i++)
      await engine.analyze({ kind: 'rgba', frame: tracked }, { track: 'leak-check', mirror: false });
    await engine.analyze(file(images, 'no-face-gradient.jpg'));
    await expect(one('corrupt-truncated.jpg', images)).rejects.toBeTruthy();
    expect(tf.memory().numTensors).toBe(before);
  });
});
