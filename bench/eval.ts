// Runs the evaluation runners from plain node until `presence eval` is wired into the CLI.
//   node bench/build.mjs
//   node bench/.build/eval.mjs lfw PAIRS_FILE IMAGES_DIR [--backend wasm|cpu] [--worker]
//   node bench/.build/eval.mjs ident LIST_FILE IMAGES_DIR [--backend wasm|cpu]
// Last line of output: the runner's JSON object.
import os from 'node:os';
import { InProcessEngine } from '../src/main/engine/engine';
import { evaluateIdentDetailed, evaluateLfwDetailed } from '../src/main/evaluation/index';
import type { EngineBackend } from '../src/shared/face';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const [kind, listFile, imagesDir] = args;
if (!kind || !listFile || !imagesDir) {
  console.error('usage: eval.mjs lfw|ident LIST IMAGES_DIR [--backend wasm|cpu]');
  process.exit(2);
}
const engine = new InProcessEngine({ backend: opt('--backend') as EngineBackend | undefined });
const status = await engine.start();
console.log(
  `# ${new Date().toISOString()} ${os.cpus()[0]?.model} x${os.cpus().length} node ${process.version} backend ${status.backend} encoder ${status.encoderId} start ${status.loadMs} ms`,
);
let last = 0;
const onProgress = (done: number, total: number) => {
  if (done === total || Date.now() - last > 15000) {
    last = Date.now();
    console.log(`# ${done}/${total}`);
  }
};
if (kind === 'lfw') {
  const d = await evaluateLfwDetailed({ pairsFile: listFile, imagesDir, engine, onProgress });
  if (d.failedPhotos.length) console.log(`# no face found (centred-face fallback): ${d.failedPhotos.join(' ')}`);
  console.log(`# fold thresholds (cosine): ${d.thresholds.map((t) => t.toFixed(3)).join(' ')}`);
  console.log(JSON.stringify(d.report));
} else {
  const both = await evaluateIdentDetailed({ listFile, imagesDir, engine, onProgress });
  console.log(`# nearest-template scoring, for comparison: ${JSON.stringify(both['nearest-template'])}`);
  console.log(JSON.stringify(both.matcher));
}
await engine.stop();
