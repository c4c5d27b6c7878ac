// The MobileFaceNet rebuilt in tfjs-core ops (engine/encoder-mobilefacenet.ts) against the original ONNX
// graph: test/fixtures/aligned/mobilefacenet-foamliu-reference.json holds onnxruntime's output for each
// crop there (real LFW faces aligned by the engine; scripts/mobilefacenet-reference.mjs made both).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import * as mfn from '../../src/main/engine/encoder-mobilefacenet';
import { resolveModelsDir } from '../../src/main/engine/paths';

const dir = path.resolve(__dirname, '../fixtures/aligned');
const reference = JSON.parse(readFileSync(path.join(dir, 'mobilefacenet-foamliu-reference.json'), 'utf8')) as {
  crops: Record<string, number[]>;
};
const names = readdirSync(dir).filter((f) => f.endsWith('.png'));

async function crop(name: string): Promise<Float32Array> {
  const { data } = await sharp(path.join(dir, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data);
}
function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

beforeAll(async () => {
  await initBackend('wasm');
  mfn.load(resolveModelsDir()!);
});
afterAll(() => mfn.unload());

describe('MobileFaceNet (foamliu) rebuilt in TF.js', () => {
  it('has a reference for every crop', () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const n of names) expect(reference.crops[n], n).toHaveLength(mfn.MOBILEFACENET_DIM);
  });

  it('matches the ONNX graph to cosine >= 0.9999 on real aligned faces, one by one and batched', async () => {
    const crops = await Promise.all(names.map(crop));
    const before = tf.memory().numTensors;
    const batch = new Float32Array(crops.length * 112 * 112 * 3);
    crops.forEach((c, i) => batch.set(c, i * c.length));
    const batched = tf.tidy(() => mfn.forward(tf.tensor4d(batch, [crops.length, 112, 112, 3])).arraySync());
    for (let i = 0; i < names.length; i++) {
      const single = tf.tidy(() => mfn.forward(tf.tensor4d(crops[i]!, [1, 112, 112, 3])).arraySync()[0]!);
      expect(cosine(single, reference.crops[names[i]!]!), names[i]).toBeGreaterThanOrEqual(0.9999);
      expect(cosine(batched[i]!, reference.crops[names[i]!]!), names[i]).toBeGreaterThanOrEqual(0.9999);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('puts two photos of one person closer than two people (the crops are real, aligned faces)', async () => {
    const embed = async (n: string) =>
      tf.tidy(() => mfn.forward(tf.tensor4d(crop0.get(n)!, [1, 112, 112, 3])).arraySync()[0]!);
    const crop0 = new Map(await Promise.all(names.map(async (n) => [n, await crop(n)] as const)));
    const [a1, a2, gore, bush] = await Promise.all(
      ['Aaron_Peirsol_0001.png', 'Aaron_Peirsol_0002.png', 'Al_Gore_0001.png', 'George_W_Bush_0001.png'].map(embed),
    );
    expect(cosine(a1!, a2!)).toBeGreaterThan(0.5);
    expect(cosine(a1!, gore!)).toBeLessThan(0.3);
    expect(cosine(a2!, bush!)).toBeLessThan(0.3);
  });
});
