// Model folders as `presence train` writes them (engine/trained-head.ts), with a made-up head and the
// base encoder's distance table, for tests of the engine and the app that must not wait for a training run.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ENCODER } from '../../src/main/engine/encoder-configs';
import { HEAD_FORMAT, trainedModelId, type HeadWeights } from '../../src/main/engine/trained-head';
import type { DistanceTable } from '../../src/shared/distance-table';

/**
 * The base encoder's own shipped table under the model's id: right for a mild head, which moves every
 * embedding a little and distances hardly at all, so recognition at the station's alpha still works.
 */
function baseTable(id: string): DistanceTable {
  const file = path.resolve(__dirname, `../../models/${DEFAULT_ENCODER.id}.distances.json`);
  return { ...(JSON.parse(readFileSync(file, 'utf8')) as DistanceTable), encoderId: id };
}

export const HEAD_SIZE = 128;

/** A seeded head: W uniform in +-scale, b in +-scale/6. */
export function someHead(seed = 7, scale = 0.3): HeadWeights {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return {
    size: HEAD_SIZE,
    w: Float32Array.from({ length: HEAD_SIZE * HEAD_SIZE }, () => rnd() * scale),
    b: Float32Array.from({ length: HEAD_SIZE }, () => (rnd() * scale) / 6),
  };
}

/** Writes a model folder at `dir` (created) and returns its id; `edit` may spoil the manifest. */
export function writeModelFolder(
  dir: string,
  head: HeadWeights = someHead(),
  edit: (manifest: Record<string, unknown>) => void = () => {},
): string {
  mkdirSync(dir, { recursive: true });
  const bytes = Buffer.alloc((head.w.length + head.b.length) * 4);
  [...head.w, ...head.b].forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  const sha = createHash('sha256').update(bytes).digest('hex');
  const id = trainedModelId(DEFAULT_ENCODER.id, sha);
  const figures = (accuracy: number) => ({ accuracy, auc: 0.999, tarAtFar1e3: accuracy - 0.01 });
  const manifest: Record<string, unknown> = {
    format: HEAD_FORMAT,
    id,
    baseEncoder: DEFAULT_ENCODER.id,
    embeddingSize: head.size,
    weightsFile: 'head.bin',
    weightsSha256: sha,
    dataHash: 'test',
    training: { mode: 'head', epochs: 3, people: 40, photos: 200 },
    validation: { pairs: 600, before: figures(0.99), after: figures(0.995) },
    createdAt: '2026-12-01T10:00:00.000Z',
  };
  edit(manifest);
  writeFileSync(path.join(dir, 'head.bin'), bytes);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(path.join(dir, 'distances.json'), JSON.stringify(baseTable(id)));
  return id;
}
