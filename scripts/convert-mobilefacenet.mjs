#!/usr/bin/env node
// Converts foamliu/MobileFaceNet's ONNX export (Apache-2.0; the team's copy and its README are in
// shared/models/mobilefacenet-foamliu/) into the project's own weight file, which
// src/main/engine/encoder-mobilefacenet.ts rebuilds the network around:
//   models/mobilefacenet-foamliu-weights_manifest.json + models/mobilefacenet-foamliu.bin
// and upserts its entry (bytes, sha256, source, licence) in models/models.json.
//
//   node scripts/convert-mobilefacenet.mjs ../shared/models/mobilefacenet-foamliu
//
// The graph is checked against the layout the engine rebuilds (conv1, a depthwise-separable block, 15
// inverted residual blocks, conv2, the 7x7 global depthwise conv, conv3): a different export fails here
// instead of producing a network that silently computes something else. Weights go out in TF.js layout:
// convolutions [kh, kw, in, out], depthwise [kh, kw, channels, 1]. Batch norm is already folded in the
// export, so every layer is a filter and a bias.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOnnx } from './onnx-reader.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const modelsDir = path.join(root, 'models');
const ID = 'mobilefacenet-foamliu';
const ONNX_SHA256 = 'b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507';

const src = process.argv[2];
if (!src) {
  console.error('usage: node scripts/convert-mobilefacenet.mjs DIR   (DIR holds MobileFaceNet.onnx)');
  process.exit(2);
}
const onnxPath = path.join(src, 'MobileFaceNet.onnx');
if (!existsSync(onnxPath)) {
  console.error(`${onnxPath} not found`);
  process.exit(2);
}
const bytes = readFileSync(onnxPath);
const sha = createHash('sha256').update(bytes).digest('hex');
if (sha !== ONNX_SHA256) {
  console.error(`${onnxPath}: sha256 ${sha} is not the reviewed export's ${ONNX_SHA256}`);
  process.exit(1);
}
const graph = readOnnx(bytes);

/** Layer names in the engine, in the order the ONNX graph runs its convolutions. */
const layerNames = ['conv1', 'dw_conv.dw', 'dw_conv.pw'];
for (let b = 0; b < 15; b++) layerNames.push(`block${b}.expand`, `block${b}.dw`, `block${b}.project`);
layerNames.push('conv2', 'gdconv', 'conv3');

const convs = graph.nodes.filter((n) => n.opType === 'Conv');
if (convs.length !== layerNames.length)
  throw new Error(`expected ${layerNames.length} Conv nodes, found ${convs.length}: not the reviewed graph`);
const ops = graph.nodes.filter((n) => n.opType !== 'Constant').map((n) => n.opType);
const counts = ops.reduce((m, o) => ((m[o] = (m[o] ?? 0) + 1), m), {});
const expected = { Conv: 51, Clip: 32, Relu: 2, Add: 12, Reshape: 1 };
for (const [op, n] of Object.entries(expected))
  if (counts[op] !== n) throw new Error(`expected ${n} ${op} nodes, found ${counts[op] ?? 0}`);
for (const op of Object.keys(counts))
  if (!(op in expected)) throw new Error(`unexpected ${op} node: the engine does not rebuild it`);

const specs = [];
const chunks = [];
const layout = [];
convs.forEach((node, i) => {
  const name = layerNames[i];
  const w = graph.initializers.get(node.inputs[1]);
  const b = graph.initializers.get(node.inputs[2]);
  if (!w || !b) throw new Error(`${name}: weights or bias missing`);
  const [out, inPerGroup, kh, kw] = w.dims;
  const group = node.attributes.group?.i ?? 1;
  const stride = node.attributes.strides?.ints[0] ?? 1;
  const pad = node.attributes.pads?.ints ?? [0, 0, 0, 0];
  if (new Set(pad).size !== 1) throw new Error(`${name}: asymmetric pads ${pad}`);
  const depthwise = group > 1;
  if (depthwise && (group !== out || inPerGroup !== 1)) throw new Error(`${name}: grouped conv that is not depthwise`);
  // ONNX [out, in, kh, kw] -> TF [kh, kw, in, out]; depthwise ONNX [c, 1, kh, kw] -> TF [kh, kw, c, 1].
  const tfShape = depthwise ? [kh, kw, out, 1] : [kh, kw, inPerGroup, out];
  const filter = new Float32Array(w.values.length);
  for (let o = 0; o < out; o++)
    for (let c = 0; c < inPerGroup; c++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const from = ((o * inPerGroup + c) * kh + y) * kw + x;
          const to = depthwise ? (y * kw + x) * out + o : ((y * kw + x) * inPerGroup + c) * out + o;
          filter[to] = w.values[from];
        }
  for (const [suffix, data, shape] of [
    ['filter', filter, tfShape],
    ['bias', b.values, [out]],
  ]) {
    specs.push({ name: `${name}/${suffix}`, shape, dtype: 'float32' });
    chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  layout.push({ name, kernel: kh, stride, pad: pad[0], depthwise, out });
});

// What the engine assumes about each layer, printed for the record and checked here once more.
for (const l of layout) {
  const k3 = l.kernel === 3 && l.pad === 1;
  const k1 = l.kernel === 1 && l.pad === 0 && l.stride === 1;
  const ok = l.name === 'gdconv' ? l.kernel === 7 && l.pad === 0 && l.depthwise : k3 || k1;
  if (!ok)
    throw new Error(`${l.name}: kernel ${l.kernel} stride ${l.stride} pad ${l.pad} is not what the engine builds`);
}
const strided = layout.filter((l) => l.stride === 2).map((l) => l.name);
console.log(`stride-2 layers: ${strided.join(', ')}`);

const bin = Buffer.concat(chunks);
const binFile = `${ID}.bin`;
const manifestFile = `${ID}-weights_manifest.json`;
writeFileSync(path.join(modelsDir, binFile), bin);
writeFileSync(path.join(modelsDir, manifestFile), JSON.stringify([{ paths: [binFile], weights: specs }]) + '\n');
const fileEntry = (f) => {
  const data = readFileSync(path.join(modelsDir, f));
  return { file: f, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
};
const entry = {
  id: ID,
  role: 'encoder',
  format: 'weights',
  files: [fileEntry(manifestFile), fileEntry(binFile)],
  input: [-1, 112, 112, 3],
  outputs: ['[-1,128]: embedding (not normalised)'],
  source: {
    repository: 'foamliu/MobileFaceNet (commit a6cc903, weights/MobileFaceNet.onnx)',
    sha256: ONNX_SHA256,
    convertedBy: 'scripts/convert-mobilefacenet.mjs',
  },
  licence: 'Apache-2.0',
  origin:
    'MobileFaceNet (Chen et al. 2018) trained by foamliu/MobileFaceNet on a refined MS-Celeb-1M (withdrawn by Microsoft in 2019, research terms); Apache-2.0, see models/NOTICE',
};
const manifestPath = path.join(modelsDir, 'models.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.models = manifest.models.filter((m) => m.id !== ID);
manifest.models.push(entry);
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(
  `wrote models/${binFile} (${bin.length} B, ${specs.length / 2} layers) and its entry in models/models.json`,
);
