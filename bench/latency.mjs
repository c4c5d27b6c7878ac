// npm run bench:latency -- [--frame 640x480.jpg] [--runs 100] [--memory-runs 1000] [--backend wasm|cpu]
// Bundles bench/latency-main.ts (and the engine) with esbuild, then runs it in a fresh node with
// --expose-gc so heap figures are exact. Last line of output: one JSON object.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, '.build', 'latency-main.mjs');
await build({
  entryPoints: [path.join(here, 'latency-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
