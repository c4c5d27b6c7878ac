// Embeddings of evaluation photos through the shipped engine, cached in a JSON file keyed by path, so
// scoring experiments re-run in seconds instead of re-embedding thousands of photos.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { InProcessEngine } from '../src/main/engine/engine';
import { embedPhoto } from '../src/main/evaluation/embed';

/** Embeds the paths not yet in the cache, saving as it goes; a photo without any embedding maps to null. */
export async function cachedEmbeddings(
  paths: readonly string[],
  cacheFile: string,
): Promise<Map<string, Float32Array | null>> {
  const cache: Record<string, number[] | null> = existsSync(cacheFile)
    ? JSON.parse(readFileSync(cacheFile, 'utf8'))
    : {};
  const todo = [...new Set(paths)].filter((p) => !(p in cache));
  if (todo.length) {
    const engine = new InProcessEngine({});
    const status = await engine.start();
    console.log(`# embedding ${todo.length} photos with ${status.encoderId} on ${status.backend}`);
    let n = 0;
    for (const p of todo) {
      const e = await embedPhoto(engine, p);
      cache[p] = e.embedding ? Array.from(e.embedding, (x) => +x.toFixed(6)) : null;
      if (++n % 200 === 0) {
        console.log(`# ${n}/${todo.length}`);
        writeFileSync(cacheFile, JSON.stringify(cache));
      }
    }
    writeFileSync(cacheFile, JSON.stringify(cache));
    await engine.stop();
  }
  return new Map(paths.map((p) => [p, cache[p] ? Float32Array.from(cache[p]!) : null]));
}
