// Embedding stored face chips with the real engine and models on real photos, in-process and through the
// worker thread: a chip gives the embedding the photo itself gives, with either encoder (dlib's 51-point
// alignment included), and the worker switches encoder when it is started with another one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCODER_CONFIGS, WorkerEngine } from '../../src/main/engine';
import { InProcessEngine } from '../../src/main/engine/engine';
import { decodeChip, encodeChip } from '../../src/main/engine/chip';

const root = path.resolve(__dirname, '../..');
const FACES = path.join(root, 'test/fixtures/faces');
const PHOTOS = ['Aaron_Peirsol_0001.jpg', 'George_W_Bush_0001.jpg', 'Al_Gore_0001.jpg'];
const file = (name: string) => ({ kind: 'file' as const, path: path.join(FACES, name) });
const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...a.map((v, i) => v - b[i]!));

describe.each(['dlib128-a51-flip', 'mfn-foamliu'])('chips embedded in-process with %s', (encoderId) => {
  let engine: InProcessEngine;
  const direct: Float32Array[] = [];
  const chips: Uint8Array[] = [];

  beforeAll(async () => {
    engine = new InProcessEngine({ encoder: ENCODER_CONFIGS[encoderId] });
    await engine.start();
    for (const name of PHOTOS) {
      const face = (await engine.analyze(file(name), { chip: true })).faces[0]!;
      direct.push(face.embedding);
      chips.push(face.chip!);
    }
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('gives each chip the embedding of its photo, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const fromChips = await engine.embedChips(chips);
    expect(tf.memory().numTensors).toBe(before);
    expect(fromChips).toHaveLength(PHOTOS.length);
    for (let i = 0; i < PHOTOS.length; i++) {
      expect(fromChips[i]!.length).toBe(engine.status().embeddingSize);
      // Measured 0.01-0.06; different people are 0.45 (dlib) to 1.3 (MobileFaceNet) apart.
      expect(dist(fromChips[i]!, direct[i]!), PHOTOS[i]).toBeLessThan(0.1);
      for (let j = 0; j < PHOTOS.length; j++) if (j !== i) expect(dist(fromChips[i]!, direct[j]!)).toBeGreaterThan(0.3);
    }
  });

  it.runIf(encoderId === 'dlib128-a51-flip')(
    "cuts dlib's crop from the chip by the 51 points, as from the photo, not by the five",
    async () => {
      const fromChips = await engine.embedChips(chips);
      // The same encoder aligned on the five points only: 0.03-0.05 away from the 51-point embedding,
      // where the chip's is 0.01-0.02 away.
      await engine.start({ encoderId: 'dlib128-flip' });
      expect(engine.status().encoderId).toBe('dlib128-flip');
      for (let i = 0; i < PHOTOS.length; i++) {
        const five = (await engine.analyze(file(PHOTOS[i]!))).faces[0]!.embedding;
        expect(dist(fromChips[i]!, direct[i]!), PHOTOS[i]).toBeLessThan(dist(fromChips[i]!, five));
      }
      await engine.start({ encoderId });
    },
  );

  it('refuses a damaged chip with a sentence, not a crash', async () => {
    const chip = decodeChip(chips[0]!);
    const truncated = encodeChip({ ...chip, jpeg: chip.jpeg.subarray(0, 200) });
    await expect(engine.embedChips([truncated])).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    await expect(engine.embedChips([chips[0]!.subarray(0, 3)])).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/face chip is damaged/),
    });
  });
});

describe('chips through the worker engine', () => {
  const cacheDir = path.join(root, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir, 'presence-chips-worker-'));
  let worker: WorkerEngine;
  let inProcess: InProcessEngine;

  beforeAll(async () => {
    // Bundled as scripts/build.mjs bundles it (see engine-worker.test.ts), so a stale dist/ cannot hide a change.
    const shim = path.join(tmp, 'shim.js');
    writeFileSync(shim, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
    const workerPath = path.join(tmp, 'engine', 'worker.cjs');
    await build({
      entryPoints: [path.join(root, 'src/main/engine/worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      define: { 'import.meta.url': 'importMetaUrl' },
      inject: [shim],
      outfile: workerPath,
      logLevel: 'warning',
    });
    worker = new WorkerEngine({ workerPath, modelsDir: path.join(root, 'models'), encoder: 'mfn-foamliu' });
    inProcess = new InProcessEngine({ encoder: ENCODER_CONFIGS['mfn-foamliu'] });
    await inProcess.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await inProcess?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('starts on the encoder it is given, embeds chips as the in-process engine does, and switches encoder', async () => {
    expect(worker.defaultEncoderId).toBe('mfn-foamliu');
    expect((await worker.start()).encoderId).toBe('mfn-foamliu');
    const face = (await worker.analyze(file('Aaron_Peirsol_0001.jpg'), { chip: true })).faces[0]!;
    expect(face.chip).toBeInstanceOf(Uint8Array);
    const chip = face.chip!;
    const [viaWorker] = await worker.embedChips([chip]);
    expect(chip.byteLength).toBeGreaterThan(0); // copied, not transferred: the caller stores it again
    const [here] = await inProcess.embedChips([chip]);
    expect(dist(viaWorker!, here!)).toBeLessThan(1e-5);

    const switched = await worker.start({ encoderId: 'dlib128-a51-flip' });
    expect(switched).toMatchObject({ state: 'ready', encoderId: 'dlib128-a51-flip', embeddingSize: 128 });
    const [dlib] = await worker.embedChips([chip]);
    expect(dlib!.length).toBe(128);
    expect(dist(dlib!, here!)).toBeGreaterThan(0.1); // another embedding space
    await expect(worker.start({ encoderId: 'no-such-encoder' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
