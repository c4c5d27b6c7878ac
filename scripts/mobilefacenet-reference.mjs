#!/usr/bin/env node
// Makes the reference that test/unit/engine-encoder-mobilefacenet.test.ts checks the TF.js rebuild
// against: the ORIGINAL ONNX graph run by onnxruntime, on real faces aligned by the project's own engine.
//   node bench/build.mjs && node bench/.build/aligned-crops.mjs test/fixtures/aligned PHOTO.jpg...
//   npm install --no-save onnxruntime-node        (or ORT_MODULE=/path/to/onnxruntime-node)
//   node scripts/mobilefacenet-reference.mjs ../shared/models/mobilefacenet-foamliu test/fixtures/aligned
// The first step writes each photo's 112x112 ArcFace crop (8-bit PNG, exactly what both networks get);
// this one writes test/fixtures/aligned/mobilefacenet-foamliu-reference.json, the ONNX output per crop.
import { createRequire } from 'node:module';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const ort = require(process.env.ORT_MODULE ?? 'onnxruntime-node');

const [onnxDir, cropsDir] = process.argv.slice(2);
if (!onnxDir || !cropsDir) {
  console.error('usage: node scripts/mobilefacenet-reference.mjs ONNX_DIR CROPS_DIR');
  process.exit(2);
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const session = await ort.InferenceSession.create(path.join(onnxDir, 'MobileFaceNet.onnx'));
const reference = {
  source: `onnxruntime-node ${ort.env.versions?.node ?? ''} on MobileFaceNet.onnx (sha256 b7120c09...)`,
  crops: {},
};
for (const name of readdirSync(cropsDir)
  .filter((f) => f.endsWith('.png'))
  .sort()) {
  const { data: rgb, info } = await sharp(path.join(cropsDir, name))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== 112 || info.height !== 112) throw new Error(`${name} is not 112x112`);
  const chw = new Float32Array(3 * 112 * 112);
  for (let i = 0; i < 112 * 112; i++)
    for (let c = 0; c < 3; c++) chw[c * 112 * 112 + i] = (rgb[i * 3 + c] / 255 - MEAN[c]) / STD[c];
  const out = await session.run({ input0: new ort.Tensor('float32', chw, [1, 3, 112, 112]) });
  reference.crops[name] = Array.from(out.output0.data, (v) => Number(v.toPrecision(8)));
  console.log(`${name}: ${out.output0.dims}`);
}
writeFileSync(path.join(cropsDir, 'mobilefacenet-foamliu-reference.json'), JSON.stringify(reference, null, 1) + '\n');
