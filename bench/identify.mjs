// 1:N identify latency of the in-memory Matcher on random unit templates.
// Usage: node bench/identify.mjs [--quick] [--backend auto|js]
// Bundles src/main/domain/matcher.ts (and prng.ts) with esbuild into a temporary file, so it needs no build step.
// Prints p50/p90 per gallery size and dimension, the machine, and as the last line one JSON object.

import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'auto';
const sizes = [1_000, 10_000, 100_000];
const dims = [128, 512];
const queries = quick ? 20 : 200;
const warmup = quick ? 5 : 20;

const dir = mkdtempSync(join(tmpdir(), 'presence-bench-'));
let Matcher;
let mulberry32;
try {
  const outfile = join(dir, 'matcher.mjs');
  await build({
    // The app's own Matcher and its seeded PRNG, in one bundle.
    stdin: {
      contents:
        "export { Matcher } from './src/main/domain/matcher.ts'; export { mulberry32 } from './src/main/domain/prng.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  ({ Matcher, mulberry32 } = await import(pathToFileURL(outfile).href));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Seeded draws (the app's mulberry32), so every run measures the same gallery.
function randomVector(rand, dim) {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const u = 1 - rand();
    v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return v;
}
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const TEMPLATES_PER_PERSON = 5; // several templates per person, as enrollment makes them
const results = {};
let backend = 'unknown';
for (const dim of dims) {
  for (const size of sizes) {
    const rand = mulberry32(dim * 1_000_003 + size);
    const matcher = new Matcher(dim, backendArg);
    const rows = [];
    for (let i = 0; i < size; i++) {
      rows.push({
        templateId: `t${i}`,
        personId: `p${Math.floor(i / TEMPLATES_PER_PERSON)}`,
        embedding: randomVector(rand, dim),
      });
    }
    matcher.load(rows);
    backend = matcher.backend;
    rows.length = 0;
    const probes = Array.from({ length: 32 }, () => randomVector(rand, dim));
    const options = { alpha: 1.0, margin: 0.05 };
    for (let i = 0; i < warmup; i++) matcher.identify(probes[i % probes.length], options);
    const times = [];
    for (let i = 0; i < queries; i++) {
      const t0 = process.hrtime.bigint();
      matcher.identify(probes[i % probes.length], options);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 0.5);
    const p90 = percentile(times, 0.9);
    const label = `${size >= 1000 ? size / 1000 + 'k' : size}`;
    results[`identify${label}Dim${dim}P50Ms`] = +p50.toFixed(3);
    results[`identify${label}Dim${dim}P90Ms`] = +p90.toFixed(3);
    console.log(
      `dim ${String(dim).padStart(3)}  templates ${String(size).padStart(7)}  p50 ${p50.toFixed(3).padStart(8)} ms  p90 ${p90.toFixed(3).padStart(8)} ms  (${queries} queries, ${backend})`,
    );
  }
}

const cpuList = cpus();
const machine = {
  cpu: cpuList[0]?.model ?? 'unknown',
  cores: cpuList.length,
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}`);
console.log(JSON.stringify({ ...results, backend, queries, templatesPerPerson: TEMPLATES_PER_PERSON, ...machine }));
