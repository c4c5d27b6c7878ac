// End-to-end latency of the engine (bundled and run by bench/latency.mjs).
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { InProcessEngine } from '../src/main/engine/engine';
import { Matcher } from '../src/main/domain/matcher';
import type { AnalyzeOptions } from '../src/main/engine/types';
import type { EngineBackend, StageTimings } from '../src/shared/face';

const args = process.argv.slice(2);
const opt = (name: string, def?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const framePath = opt('--frame', path.join(root, 'test/fixtures/images/frame-640x480-one-face.jpg'))!;
const runs = Number(opt('--runs', '100'));
const memoryRuns = Number(opt('--memory-runs', '1000'));
const backend = opt('--backend') as EngineBackend | undefined;

const pct = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p + 0.5))];
};
const r1 = (x: number) => Math.round(x * 10) / 10;

console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.arch()}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// Engine start: backend init + every model read, checksummed, loaded and warmed up.
let t0 = performance.now();
const engine = new InProcessEngine({ backend });
const status = await engine.start();
const engineStartMs = performance.now() - t0;
console.log(
  `engine start: ${engineStartMs.toFixed(0)} ms (backend ${status.backend}, encoder ${status.encoderId}, ${status.embeddingSize}-D); models: ${status.models.map((m) => `${m.id} ${m.loadMs} ms`).join(', ')}`,
);

const { data, info } = await sharp(framePath)
  .resize(640, 480, { fit: 'cover' })
  .ensureAlpha()
  .raw()
  .toBuffer({ resolveWithObject: true });
const rgba = new Uint8Array(data);
const frame = () => ({ kind: 'rgba' as const, frame: { width: info.width, height: info.height, rgba } });
// Two option sets: the full analysis (defaults: every face, liveness, the encoder's mirror pass; what
// enrollment and photo import get) and a live kiosk frame (the options src/main/domain/kiosk.ts passes:
// the largest face only, no mirror pass, liveness off as in the default settings, the face followed from
// frame to frame so the detector runs on every fifth frame).
const LIVE_FRAME: AnalyzeOptions = {
  maxFaces: 3,
  liveness: false,
  embed: true,
  embedFaces: 1,
  mirror: false,
  track: 'bench',
};
async function measure(label: string, options?: AnalyzeOptions) {
  for (let i = 0; i < 5; i++) await engine.analyze(frame(), options);
  const totals: number[] = [];
  const stages: Record<string, number[]> = {};
  let faces = 0;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = await engine.analyze(frame(), options);
    totals.push(performance.now() - s);
    faces += r.faces.length;
    for (const [k, v] of Object.entries(r.timings as StageTimings))
      if (typeof v === 'number') (stages[k] ??= []).push(v);
  }
  console.log(
    `analyze 640x480 RGBA frame, one face, ${label} (${faces / runs} found per frame), ${runs} runs: p50 ${pct(totals, 0.5).toFixed(1)} ms, p90 ${pct(totals, 0.9).toFixed(1)} ms`,
  );
  for (const [k, v] of Object.entries(stages))
    console.log(`  ${k.padEnd(12)} p50 ${pct(v, 0.5).toFixed(1)} ms  p90 ${pct(v, 0.9).toFixed(1)} ms`);
  return { totals, stages };
}
const { totals, stages } = await measure('full analysis (defaults)');
const live = await measure('live kiosk frame (largest face, no mirror pass, no liveness)', LIVE_FRAME);

// 1:N identify over random unit templates (the app's Matcher: one contiguous Float32Array, exact).
const dim = status.embeddingSize!;
let seed = 12345;
const rnd = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
const unit = () => {
  const v = new Float32Array(dim);
  let n = 0;
  for (let k = 0; k < dim; k++) {
    v[k] = rnd();
    n += v[k] * v[k];
  }
  n = Math.sqrt(n);
  for (let k = 0; k < dim; k++) v[k] /= n;
  return v;
};
// Three templates per person, as enrollment keeps; the matcher scans one centroid per person, so the
// worst case, one template per person (as many rows as templates), is measured at 100,000 too, and there
// with the plain JS dot products as well as the WASM SIMD kernel (is the kernel worth keeping?).
const identify: Record<string, number> = {};
for (const [size, perPerson, backend] of [
  [1_000, 3, 'auto'],
  [10_000, 3, 'auto'],
  [100_000, 3, 'auto'],
  [100_000, 1, 'auto'],
  [100_000, 1, 'js'],
] as const) {
  const m = new Matcher(dim, backend);
  for (let i = 0; i < size; i++) m.add(`t${i}`, `p${Math.floor(i / perPerson)}`, unit());
  const qs = Array.from({ length: 50 }, unit);
  for (const q of qs.slice(0, 5)) m.identify(q, { alpha: 0.6, margin: 0.05 });
  const ts = qs.map((q) => {
    const s = performance.now();
    m.identify(q, { alpha: 0.6, margin: 0.05 });
    return performance.now() - s;
  });
  identify[`${size}x${perPerson}${backend === 'js' ? '-js' : ''}`] = pct(ts, 0.5);
  console.log(
    `identify ${size} templates, ${perPerson} per person (${dim}-D, ${m.backend}): p50 ${pct(ts, 0.5).toFixed(2)} ms, p90 ${pct(ts, 0.9).toFixed(2)} ms`,
  );
}

// Memory: tensors and heap before and after many analyses; both should stay flat.
const heap = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const tensorsStart = tf.memory().numTensors,
  heapStart = heap();
t0 = performance.now();
for (let i = 0; i < memoryRuns; i++) await engine.analyze(frame());
const tensorsEnd = tf.memory().numTensors,
  heapEnd = heap();
console.log(
  `memory over ${memoryRuns} analyses (${((performance.now() - t0) / 1000).toFixed(0)} s): tensors ${tensorsStart} -> ${tensorsEnd}, heap ${heapStart.toFixed(1)} -> ${heapEnd.toFixed(1)} MiB${(globalThis as { gc?: unknown }).gc ? '' : ' (run node --expose-gc for exact heap)'}`,
);
await engine.stop();

console.log(
  JSON.stringify({
    analyzeP50Ms: r1(pct(totals, 0.5)),
    analyzeP90Ms: r1(pct(totals, 0.9)),
    stagesP50Ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, r1(pct(v, 0.5))])),
    analyzeLiveP50Ms: r1(pct(live.totals, 0.5)),
    analyzeLiveP90Ms: r1(pct(live.totals, 0.9)),
    liveStagesP50Ms: Object.fromEntries(Object.entries(live.stages).map(([k, v]) => [k, r1(pct(v, 0.5))])),
    identify1kP50Ms: Math.round(identify['1000x3']! * 1000) / 1000,
    identify10kP50Ms: Math.round(identify['10000x3']! * 1000) / 1000,
    identify100kP50Ms: Math.round(identify['100000x3']! * 1000) / 1000,
    identify100kOnePerPersonP50Ms: Math.round(identify['100000x1']! * 1000) / 1000,
    identify100kOnePerPersonJsP50Ms: Math.round(identify['100000x1-js']! * 1000) / 1000,
    engineStartMs: Math.round(engineStartMs),
    backend: status.backend,
    encoder: status.encoderId,
    tensorsStart,
    tensorsEnd,
    heapStartMiB: r1(heapStart),
    heapEndMiB: r1(heapEnd),
    memoryRuns,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    node: process.version,
  }),
);
