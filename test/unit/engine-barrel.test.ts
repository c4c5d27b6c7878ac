// The Electron main process runs no inference: the engine lives in its worker. This bundles the main
// entry as scripts/build.mjs does (dependencies external) and checks that neither TF.js nor sharp nor the
// engine's networks are in it, so one careless import of the engine barrel cannot load them there.
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

async function bundleOf(entry: string) {
  const r = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    external: ['electron'],
    write: false,
    metafile: true,
    outfile: path.join(root, 'dist', 'probe.cjs'),
    logLevel: 'silent',
  });
  const output = Object.values(r.metafile.outputs)[0]!;
  return {
    packages: [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))],
    sources: Object.keys(r.metafile.inputs),
  };
}

describe('the engine barrel', () => {
  it('keeps TF.js, sharp and the networks out of the Electron main process', async () => {
    const main = await bundleOf('src/main/index.ts');
    expect(main.packages.filter((p) => p.startsWith('@tensorflow/') || p === 'sharp')).toEqual([]);
    expect(
      main.sources.filter((s) =>
        /engine\/(pipeline|engine|embed|encoder|encoder-[a-z]+net|encoder-dlib|detector|landmarks|liveness|backend|image)\.ts$/.test(
          s,
        ),
      ),
    ).toEqual([]);
    // The worker client is there: main talks to the engine through it.
    expect(main.sources.some((s) => s.endsWith('engine/worker-engine.ts'))).toBe(true);
  }, 60_000);

  it('puts them in the engine worker', async () => {
    const worker = await bundleOf('src/main/engine/worker.ts');
    expect(worker.packages).toContain('@tensorflow/tfjs-core');
  }, 60_000);
});
