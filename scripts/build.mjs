// Builds the node-side bundles (Electron main, preload, engine worker, CLI) with esbuild
// and the Svelte renderer with Vite. Output goes to dist/, which is never committed.
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rm, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const only = process.argv.includes('--node-only') ? 'node' : process.argv.includes('--web-only') ? 'web' : 'all';

// Source is written as ESM and uses import.meta.url to find files next to it; the bundles are
// CommonJS (Electron's sandboxed preload must be, and CJS keeps native modules simple), so
// import.meta.url is replaced by the bundle's own file URL.
const shim = path.join(dist, '.import-meta-url.js');

async function buildNode() {
  await mkdir(dist, { recursive: true });
  await writeFile(shim, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    define: { 'import.meta.url': 'importMetaUrl' },
    inject: [shim],
    outExtension: { '.js': '.cjs' },
  };
  await Promise.all([
    // Main, CLI and the engine worker load their dependencies from node_modules at run time.
    build({
      ...common,
      packages: 'external',
      entryPoints: {
        'main/index': 'src/main/index.ts',
        'cli/index': 'src/cli/index.ts',
        'engine/worker': 'src/main/engine/worker.ts',
      },
      outdir: dist,
    }),
    // A sandboxed preload can require only 'electron' and a few built-ins: everything else is inlined.
    build({
      ...common,
      external: ['electron'],
      entryPoints: { 'preload/index': 'src/preload/index.ts' },
      outdir: dist,
    }),
  ]);
  await rm(shim);
}

async function buildWeb() {
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}

const outputs = { node: ['main', 'preload', 'engine', 'cli'], web: ['renderer'] };
for (const dir of only === 'all' ? [...outputs.node, ...outputs.web] : outputs[only]) {
  await rm(path.join(dist, dir), { recursive: true, force: true });
}
if (only !== 'web') await buildNode();
if (only !== 'node') await buildWeb();
console.log(`built ${only === 'all' ? 'main, preload, engine, cli and renderer' : only} into dist/`);
