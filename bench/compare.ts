// Encoder comparison on LFW: runs our detection + landmarks once per photo, then every encoder
// variant (crop placement) on the aligned crop and its mirror, and caches raw embeddings to disk so
// the table (single encoders, flip TTA, fusions) is computed without re-running the networks.
// Usage (after bench/build.mjs): node bench/.build/compare.mjs extract IMAGES_DIR LIST OUT.bin VARIANTS
//        node bench/.build/compare.mjs table PAIRS_FILE IMAGES_DIR OUT.bin
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { initBackend } from '../src/main/engine/backend';
import * as detector from '../src/main/engine/detector';
import * as landmarks from '../src/main/engine/landmarks';
import * as encoder from '../src/main/engine/encoder';
import { similarityTo, warpAffine, mirror } from '../src/main/engine/align';
import { decodeFile } from '../src/main/engine/image';
import { centredFace, centredFaceLandmarks, EVAL_MAX_FACES } from '../src/main/engine/eval-photo';
import { resolveModelsDir } from '../src/main/engine/paths';
import { parsePairs } from '../src/main/evaluation/pairs';
import { tenFold, auc, tarAtFar } from '../src/main/evaluation/metrics';
import type { Point } from '../src/shared/face';

type Variant = { enc: string; zoom: number; dy: number; mode?: string };
function parseVariants(s: string): Variant[] {
  return s.split(',').map((v) => {
    const [enc, zoom, dy, mode] = v.split(':');
    return { enc, zoom: +zoom, dy: +(dy ?? 0), mode };
  });
}
const key = (v: Variant) => `${v.enc}:${v.zoom}:${v.dy}` + (v.mode ? `:${v.mode}` : '');

async function extract(imagesList: string[], out: string, variants: Variant[]) {
  const dir = resolveModelsDir()!;
  console.log('backend', await initBackend('wasm'));
  await detector.load(dir);
  await detector.load(dir, detector.SMALL_FACE_DETECTOR_ID);
  await landmarks.load(dir);
  for (const v of variants) await encoder.load(dir, v.enc);
  const cache: Record<string, { how: string; emb: Record<string, number[][]> }> = existsSync(out + '.json')
    ? JSON.parse(readFileSync(out + '.json', 'utf8'))
    : {};
  let i = 0;
  const t0 = Date.now();
  for (const file of imagesList) {
    i++;
    const entry = cache[file] ?? { how: '', emb: {} };
    const todo = variants.filter((v) => !entry.emb[key(v)]);
    if (!todo.length) continue;
    const img = await decodeFile(file);
    let five: Point[];
    let dets = await detector.predict(img, { maxFaces: EVAL_MAX_FACES });
    let how = 'short';
    if (!dets.length) {
      dets = await detector.predict(img, { id: detector.SMALL_FACE_DETECTOR_ID, maxFaces: EVAL_MAX_FACES });
      how = 'back';
    }
    // LFW photos are centred on their subject; a larger face may be someone else's (as the runners do)
    const subject = centredFace(dets, img.width, img.height);
    if (subject) {
      const lm = await landmarks.predict(img, subject);
      five = lm.five;
    } else {
      five = centredFaceLandmarks(img.width, img.height);
      how = 'fallback';
    }
    entry.how = how;
    for (const v of todo) {
      const spec = encoder.ENCODERS[v.enc];
      const m = similarityTo(encoder.templateFor(spec, v.zoom, v.dy), five);
      const crop = warpAffine(img, m, spec.size, spec.size);
      const flip = mirror(crop, spec.size, spec.size);
      const both = new Float32Array(crop.length * 2);
      both.set(crop);
      both.set(flip, crop.length);
      const res = tf.tidy(() => encoder.forward(v.enc, tf.tensor4d(both, [2, spec.size, spec.size, 3]), v.mode));
      const arr = (await res.array()) as number[][];
      res.dispose();
      entry.emb[key(v)] = arr.map((a) => a.map((x) => +x.toFixed(5)));
    }
    cache[file] = entry;
    if (i % 100 === 0) {
      console.log(
        `${i}/${imagesList.length} ${((Date.now() - t0) / i).toFixed(0)} ms/img tensors=${tf.memory().numTensors}`,
      );
      writeFileSync(out + '.json', JSON.stringify(cache));
    }
  }
  writeFileSync(out + '.json', JSON.stringify(cache));
  const hows: Record<string, number> = {};
  for (const f of imagesList) hows[cache[f].how] = (hows[cache[f].how] ?? 0) + 1;
  console.log('detection:', JSON.stringify(hows));
}

function norm(v: number[]): Float32Array {
  const o = Float32Array.from(v);
  let s = 0;
  for (const x of o) s += x * x;
  s = Math.sqrt(s) || 1;
  return o.map((x) => x / s);
}
function add(a: Float32Array, b: Float32Array) {
  return a.map((x, i) => x + b[i]);
}
function dot(a: Float32Array, b: Float32Array) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function embedFor(entry: { emb: Record<string, number[][]> }, spec: string): Float32Array {
  // spec: "enc:zoom:dy[+flip]" or "w*spec|w*spec" for fusion (concatenated weighted normalised vectors)
  const parts = spec.split('|');
  const vecs = parts.map((p) => {
    const [w, s] = p.includes('*') ? [+p.split('*')[0], p.split('*')[1]] : [1, p];
    const flip = s.endsWith('+flip');
    const k = s.replace('+flip', '');
    const e = entry.emb[k];
    if (!e) throw new Error(`missing ${k}`);
    const v = flip ? norm(Array.from(add(norm(e[0]), norm(e[1])))) : norm(e[0]);
    return v.map((x) => x * Math.sqrt(w));
  });
  const cat = new Float32Array(vecs.reduce((s, v) => s + v.length, 0));
  let o = 0;
  for (const v of vecs) {
    cat.set(v, o);
    o += v.length;
  }
  return norm(Array.from(cat));
}

function table(pairsFile: string, imagesDir: string, out: string, specs: string[]) {
  const cache = JSON.parse(readFileSync(out + '.json', 'utf8'));
  const { pairs, folds } = parsePairs(readFileSync(pairsFile, 'utf8'), imagesDir);
  // Every row on the same pairs: those whose two photos have every requested variant.
  const has = (f: string) =>
    specs.every((spec) => {
      try {
        return !!cache[f] && !!embedFor(cache[f], spec);
      } catch {
        return false;
      }
    });
  const avail = pairs.filter((p) => has(p.a) && has(p.b));
  for (const spec of specs) {
    try {
      const scores = avail.map((p) => dot(embedFor(cache[p.a], spec), embedFor(cache[p.b], spec)));
      const same = avail.map((p) => p.same),
        fold = avail.map((p) => p.fold);
      const r = tenFold(scores, same, fold, folds);
      console.log(
        `${spec.padEnd(52)} pairs ${avail.length} acc ${(r.accuracy * 100).toFixed(2)} ± ${(r.std * 100).toFixed(2)}  auc ${auc(scores, same).toFixed(4)}  tar@1e-3 ${tarAtFar(scores, same, 1e-3).toFixed(3)}`,
      );
    } catch (e) {
      console.log(spec, String(e));
    }
  }
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'extract') {
  const [imagesDir, listFile, out, variants, every] = args;
  let list: string[];
  if (listFile.endsWith('.tsv'))
    list = readFileSync(listFile, 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => `${imagesDir}/${l.split('\t')[2]}`);
  else {
    const { pairs } = parsePairs(readFileSync(listFile, 'utf8'), imagesDir);
    const step = +(every ?? 1);
    list = [...new Set(pairs.filter((_, i) => i % step === 0).flatMap((p) => [p.a, p.b]))];
  }
  await extract(list, out, parseVariants(variants));
} else if (cmd === 'table') {
  const [pairsFile, imagesDir, out, ...specs] = args;
  table(pairsFile, imagesDir, out, specs);
}
