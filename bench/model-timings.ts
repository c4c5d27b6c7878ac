// Median time of each network alone (random input, no pre/post-processing), to separate model cost from pipeline cost.
// node bench/build.mjs && node bench/.build/model-timings.mjs [wasm|cpu]
import { resolveModelsDir } from '../src/main/engine/paths';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/main/engine/backend';
import { loadGraph } from '../src/main/engine/models';
import * as encoder from '../src/main/engine/encoder';
import { boxShrink, warpAffine } from '../src/main/engine/align';
const dir = resolveModelsDir()!;
console.log(await initBackend((process.argv[2] ?? 'wasm') as 'wasm' | 'cpu'));
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
for (const [id, size] of [
  ['blazeface-short', 128],
  ['facemesh', 192],
  ['antispoof', 128],
] as const) {
  const g = await loadGraph(dir, id);
  const x = tf.randomUniform([1, size, size, 3]) as tf.Tensor4D;
  const ts: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = g.execute(x);
    const arr = Array.isArray(r) ? r : [r];
    for (const t of arr) t.dataSync();
    tf.dispose(arr);
    ts.push(performance.now() - t0);
  }
  console.log(id, 'median ms', med(ts).toFixed(1));
}
for (const id of ['mobilefacenet-foamliu', 'mobilefacenet-sirius', 'dlib128', 'faceres', 'mobileface']) {
  await encoder.load(dir, id);
  const size = encoder.ENCODERS[id].size;
  for (const n of [1, 2]) {
    const x = tf.randomUniform([n, size, size, 3], 0, 255) as tf.Tensor4D;
    const ts: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const r = encoder.forward(id, x);
      r.dataSync();
      r.dispose();
      ts.push(performance.now() - t0);
    }
    console.log(id, 'batch', n, 'median ms', med(ts).toFixed(1));
    x.dispose();
  }
}
const img = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3).map((_, i) => i % 251) };
let ts: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const s = boxShrink(img, 5);
  warpAffine(s, [1, 0, 0, 0, 1, 0], 128, 128);
  ts.push(performance.now() - t0);
}
console.log('JS box-shrink 640x480 + warp to 128', med(ts).toFixed(1));
ts = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  warpAffine(img, [1.1, 0.1, 0, -0.1, 1.1, 0], 192, 192);
  ts.push(performance.now() - t0);
}
console.log('JS warp to 192 (mesh crop)', med(ts).toFixed(1));
console.log(
  `load ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
