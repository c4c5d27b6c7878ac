// Finds files the engine needs at run time, whether it runs from source (vitest), from the esbuild
// bundle in dist/, or from a packaged Electron app where native/binary files sit in app.asar.unpacked.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files inside an asar archive cannot be read by WASM/native loaders: use the unpacked copy when it exists. */
export function unpacked(p: string): string {
  const u = p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return u !== p && existsSync(u) ? u : p;
}

function walkUpFor(start: string, relative: string): string | null {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, relative))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** env PRESENCE_MODELS_DIR, else <resources>/models (packaged app), else the nearest models/ with a manifest above this file. */
export function resolveModelsDir(explicit?: string): string | null {
  if (explicit) return explicit;
  const env = process.env.PRESENCE_MODELS_DIR;
  if (env) return env;
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(path.join(resources, 'models', 'models.json'))) return path.join(resources, 'models');
  const found = walkUpFor(path.dirname(fileURLToPath(import.meta.url)), path.join('models', 'models.json'));
  if (found) return unpacked(path.join(found, 'models'));
  const cwd = walkUpFor(process.cwd(), path.join('models', 'models.json'));
  return cwd ? path.join(cwd, 'models') : null;
}

/** Folder holding tfjs-backend-wasm's .wasm files, with a trailing separator as setWasmPaths wants. */
export function resolveWasmDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return unpacked(path.join(path.dirname(pkg), 'dist')) + path.sep;
}

/**
 * Default location of the bundled worker: next to the running bundle (dist/engine/worker.cjs). In a
 * packaged app that is inside app.asar, and the worker is started from there (see electron-builder.yml).
 */
export function resolveWorkerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'worker.cjs'),
    path.join(here, 'engine', 'worker.cjs'),
    path.join(here, '..', 'engine', 'worker.cjs'),
  ];
  const fromRoot = walkUpFor(here, path.join('dist', 'engine', 'worker.cjs'));
  if (fromRoot) candidates.push(path.join(fromRoot, 'dist', 'engine', 'worker.cjs'));
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}
