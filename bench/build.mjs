// Bundles the TypeScript bench entry points (and the engine they import) into bench/.build/*.mjs,
// so benchmarks run with plain node. Dependencies stay external and load from node_modules.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [
    'aligned-crops.ts',
    'cluster-quality.ts',
    'compare.ts',
    'distance-table.ts',
    'eval.ts',
    'ident-crowding.ts',
    'ident-scoring.ts',
    'model-timings.ts',
    'soak.ts',
    'stranger.ts',
    'sync.ts',
    'train-split.ts',
  ].map((f) => path.join(here, f)),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outdir: path.join(here, '.build'),
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
console.log(
  'bundled bench/.build/{aligned-crops,cluster-quality,compare,distance-table,eval,ident-crowding,ident-scoring,model-timings,soak,stranger,sync,train-split}.mjs',
);
