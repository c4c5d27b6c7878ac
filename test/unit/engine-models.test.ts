// The loader refuses model files whose checksum does not match models.json.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { readManifest, readVerified } from '../../src/main/engine/models';
import { resolveModelsDir } from '../../src/main/engine/paths';

const real = resolveModelsDir()!;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'presence-models-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('model manifest and checksums', () => {
  it('finds the models folder and every listed file matches', () => {
    const m = readManifest(real);
    expect(m.models.map((x) => x.role)).toEqual(
      expect.arrayContaining(['detector', 'landmarks', 'encoder', 'liveness']),
    );
    for (const model of m.models) for (const f of model.files) expect(readVerified(real, f).length).toBe(f.bytes);
  });

  it('refuses a tampered weight file at start with MODEL_CHECKSUM', async () => {
    cpSync(real, tmp, { recursive: true });
    const target = path.join(tmp, 'facemesh-detection-short.bin');
    const bytes = readFileSync(target);
    bytes[1000] ^= 0xff; // same size, one byte changed
    writeFileSync(target, bytes);
    const engine = createInProcessEngine({ modelsDir: tmp, backend: 'cpu' });
    await expect(engine.start()).rejects.toMatchObject({
      code: 'MODEL_CHECKSUM',
      message: expect.stringMatching(/facemesh-detection-short\.bin/),
    });
    expect(engine.status().state).toBe('failed');
    expect(engine.status().error?.code).toBe('MODEL_CHECKSUM');
  });

  it('reports a missing model file as MODEL_MISSING', () => {
    const m = readManifest(real);
    expect(() => readVerified(tmp, { ...m.models[0].files[0], file: 'nope.bin' })).toThrow(
      expect.objectContaining({ code: 'MODEL_MISSING' }),
    );
  });
});
