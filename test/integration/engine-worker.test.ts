// The worker engine: round trip through a real worker thread, and recovery when the worker dies.
// Bundles src/main/engine/worker.ts the way scripts/build.mjs does (CJS + import.meta.url shim), so a
// stale dist/ cannot hide a change; PRESENCE_TEST_DIST_WORKER=1 tests the built dist/engine/worker.cjs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerEngine } from '../../src/main/engine/index';

const root = path.resolve(__dirname, '../..');
const faces = path.join(root, 'test/fixtures/faces');
// Inside the project so the bundle's require() finds node_modules by walking up.
const cacheDir = path.join(root, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const tmp = mkdtempSync(path.join(cacheDir, 'presence-worker-test-'));
let workerPath = path.join(root, 'dist/engine/worker.cjs');
let engine: WorkerEngine;
let worker: Worker | undefined;

beforeAll(async () => {
  if (!process.env.PRESENCE_TEST_DIST_WORKER || !existsSync(workerPath)) {
    const shim = path.join(tmp, 'shim.js');
    writeFileSync(shim, "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
    workerPath = path.join(tmp, 'engine', 'worker.cjs');
    await build({
      entryPoints: [path.join(root, 'src/main/engine/worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      define: { 'import.meta.url': 'importMetaUrl' },
      inject: [shim],
      outfile: workerPath,
      logLevel: 'warning',
    });
  }
  // The worker running now, so a test can kill it as a crash would.
  engine = new WorkerEngine({ workerPath, modelsDir: path.join(root, 'models'), onSpawn: (w) => (worker = w) });
});
afterAll(async () => {
  await engine?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('worker engine', () => {
  it('starts, analyzes a photo and transfers the result back', async () => {
    const s = await engine.start();
    expect(s.state).toBe('ready');
    expect(s.encoderId).toBeTruthy();
    const bytes = new Uint8Array(readFileSync(path.join(faces, 'Aaron_Peirsol_0001.jpg')));
    const r = await engine.analyze({ kind: 'bytes', bytes, name: 'Aaron' });
    expect(bytes.byteLength).toBe(0); // transferred, not copied
    expect(r.faces).toHaveLength(1);
    expect(r.faces[0].embedding).toBeInstanceOf(Float32Array);
    expect(r.faces[0].embedding.length).toBe(s.embeddingSize);
    expect(r.faces[0].landmarks).toHaveLength(5);
    expect(engine.status().queueDepth).toBe(0);
  });

  it('queues concurrent calls and reports queue depth', async () => {
    const calls = [0, 1, 2].map(() => engine.analyze({ kind: 'file', path: path.join(faces, 'Al_Gore_0001.jpg') }));
    expect(engine.status().queueDepth).toBe(3);
    const rs = await Promise.all(calls);
    expect(rs.every((r) => r.faces.length === 1)).toBe(true);
    expect(engine.status().queueDepth).toBe(0);
  });

  it('passes typed errors through', async () => {
    await expect(engine.analyze({ kind: 'file', path: path.join(faces, 'missing.jpg') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('rejects in-flight calls with ENGINE_FAILED when the worker dies, then restarts it', async () => {
    const inflight = engine.analyze({ kind: 'file', path: path.join(faces, 'George_W_Bush_0001.jpg') });
    await worker?.terminate();
    await expect(inflight).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    for (let i = 0; i < 200 && engine.status().state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(engine.status().state).toBe('ready');
    expect(engine.status().restarts).toBe(1);
    const r = await engine.analyze({ kind: 'file', path: path.join(faces, 'George_W_Bush_0001.jpg') });
    expect(r.faces).toHaveLength(1);
  });
});
