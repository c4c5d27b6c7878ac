// Writes each photo's 112x112 ArcFace crop, as the engine aligns it for the MobileFaceNets (the centred
// face's Face Mesh five points onto the ArcFace template), as an 8-bit PNG: the input on which
// scripts/mobilefacenet-reference.mjs runs the original ONNX graph, and the parity test the TF.js rebuild.
// Usage (after bench/build.mjs): node bench/.build/aligned-crops.mjs OUT_DIR PHOTO...
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/main/engine/backend';
import * as detector from '../src/main/engine/detector';
import * as landmarks from '../src/main/engine/landmarks';
import { similarityTo, warpAffine, ARCFACE_112 } from '../src/main/engine/align';
import { decodeFile } from '../src/main/engine/image';
import { centredFace, EVAL_MAX_FACES } from '../src/main/engine/eval-photo';
import { resolveModelsDir } from '../src/main/engine/paths';

const [outDir, ...photos] = process.argv.slice(2);
if (!outDir || photos.length === 0) {
  console.error('usage: node bench/.build/aligned-crops.mjs OUT_DIR PHOTO...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const dir = resolveModelsDir()!;
await initBackend('wasm');
await detector.load(dir);
await landmarks.load(dir);
for (const photo of photos) {
  const img = await decodeFile(photo);
  const face = centredFace(await detector.predict(img, { maxFaces: EVAL_MAX_FACES }), img.width, img.height);
  if (!face) throw new Error(`${photo}: no face`);
  const lm = await landmarks.predict(img, face);
  const crop = warpAffine(img, similarityTo(ARCFACE_112, lm.five), 112, 112);
  const name = path.basename(photo, path.extname(photo)) + '.png';
  await sharp(Buffer.from(Uint8Array.from(crop, (v) => Math.round(v))), {
    raw: { width: 112, height: 112, channels: 3 },
  })
    .png()
    .toFile(path.join(outDir, name));
  console.log(name);
}
