// `presence cluster DIR`: groups the faces in a folder of unlabelled photos into people (average-linkage
// clustering at the encoder's calibrated threshold, domain/clustering.ts). Reads photos, writes nothing.
// The last line with --json is one object, so scripts can read it with `tail -n 1`.
import { InvalidArgumentError, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../shared/errors';
import { clusterFaces, defaultClusterThreshold, MAX_CLUSTER_FACES } from '../main/domain/clustering';

/** Faces found in one photo at most (a team photo); the engine's own default is 10. */
const MAX_FACES_A_PHOTO = 50;
import { centredFace } from '../main/engine';
import { createInProcessEngine } from '../main/engine/engine';
import { existingPath } from './context';
import { progressLine } from './progress';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

interface Failed {
  photo: string;
  code: string;
  reason: string;
}

export interface ClusterReport {
  clusters: string[][];
  unclustered: string[];
  faces: number;
  photos: number;
  threshold: number;
  encoderId: string | null;
  failed: Failed[];
}

/** Every photo under `dir`, sub-folders included, in a stable order (sorted by name at each level). */
function photosUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, entry.name);
      // Symbolic links are followed to files only: a link to a parent folder would walk forever.
      const isFile =
        entry.isFile() || (entry.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile());
      if (entry.isDirectory()) walk(full);
      else if (isFile && PHOTO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function parseThreshold(value: string): number {
  const d = Number(value);
  // Unit vectors are at most 2 apart: a larger threshold would put everyone in one group.
  if (!Number.isFinite(d) || d <= 0 || d > 2)
    throw new InvalidArgumentError('expected a distance between unit vectors, above 0 and at most 2.');
  return d;
}

export async function clusterFolder(
  dir: string,
  opts: { mainFace?: boolean; threshold?: number; onPhoto?: (done: number, total: number) => void },
): Promise<ClusterReport> {
  const photos = photosUnder(dir);
  if (photos.length === 0)
    throw new AppError(
      'INVALID_INPUT',
      `${dir} holds no photos (JPEG or PNG files, in it or in its sub-folders): there is nothing to group.`,
    );
  // Said before hours of embedding, not after: even one face a photo would be too many to group at once.
  if (photos.length > MAX_CLUSTER_FACES)
    throw new AppError(
      'INVALID_INPUT',
      `${dir} holds ${photos.length} photos, more than the ${MAX_CLUSTER_FACES.toLocaleString('en')} faces one grouping takes: group its sub-folders one at a time.`,
    );
  const engine = createInProcessEngine();
  const members: string[] = [];
  const embeddings: Float32Array[] = [];
  const failed: Failed[] = [];
  let threshold: number;
  let encoderId: string | null;
  try {
    const status = await engine.start();
    encoderId = status.encoderId;
    if (opts.threshold !== undefined) threshold = opts.threshold;
    else if (status.distances) threshold = defaultClusterThreshold(status.distances);
    else
      throw new AppError(
        'INVALID_INPUT',
        `The face model ${status.encoderId} has no measured distance table to take a threshold from: give one with --threshold.`,
      );
    for (const [i, file] of photos.entries()) {
      if (embeddings.length >= MAX_CLUSTER_FACES)
        throw new AppError(
          'INVALID_INPUT',
          `The photos of ${dir} hold more than the ${MAX_CLUSTER_FACES.toLocaleString('en')} faces one grouping takes: group its sub-folders one at a time.`,
        );
      const name = path.relative(dir, file).split(path.sep).join('/');
      try {
        // Liveness is about a camera in front of a person: a photo of a photo is still that person here.
        // Every face, up to a crowd's worth (the engine finds 10 unless told): a photo with more is said.
        const r = await engine.analyze({ kind: 'file', path: file }, { liveness: false, maxFaces: MAX_FACES_A_PHOTO });
        if (r.faces.length >= MAX_FACES_A_PHOTO)
          process.stderr.write(`${name}: only the ${MAX_FACES_A_PHOTO} largest faces of this photo are grouped\n`);
        if (r.faces.length === 0) throw new AppError('NO_FACE', 'No face found in this photo.');
        if (opts.mainFace) {
          members.push(name);
          embeddings.push(centredFace(r.faces, r.width, r.height)!.embedding); // the photo's subject, as eval takes it
        } else
          r.faces.forEach((f, k) => {
            members.push(r.faces.length > 1 ? `${name}#${k + 1}` : name);
            embeddings.push(f.embedding);
          });
      } catch (e) {
        if (!isAppError(e) || e.code === 'ENGINE_UNAVAILABLE') throw e;
        failed.push({ photo: name, code: e.code, reason: e.message });
      }
      opts.onPhoto?.(i + 1, photos.length);
    }
  } finally {
    await engine.stop();
  }
  const { clusters, unclustered } = clusterFaces(embeddings, { threshold });
  return {
    clusters: clusters.map((c) => c.map((i) => members[i])),
    unclustered: unclustered.map((i) => members[i]),
    faces: embeddings.length,
    photos: photos.length,
    threshold,
    encoderId,
    failed,
  };
}

function printReport(r: ClusterReport): void {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  console.log(
    `${plural(r.faces, 'face', 'faces')} in ${plural(r.photos, 'photo', 'photos')}: ${plural(r.clusters.length, 'group', 'groups')}, ${r.unclustered.length} unclustered (threshold ${r.threshold.toFixed(3)}, ${r.encoderId})`,
  );
  r.clusters.forEach((c, i) => {
    console.log(`\nGroup ${i + 1} (${plural(c.length, 'face', 'faces')})`);
    for (const m of c) console.log(`  ${m}`);
  });
  if (r.unclustered.length) {
    console.log(`\nUnclustered (${plural(r.unclustered.length, 'face', 'faces')} like no other)`);
    for (const m of r.unclustered) console.log(`  ${m}`);
  }
  if (r.failed.length) {
    console.log(`\nNot used (${plural(r.failed.length, 'photo', 'photos')})`);
    for (const f of r.failed) console.log(`  ${f.photo}: ${f.reason}`);
  }
}

export function registerCluster(program: Command): void {
  program
    .command('cluster')
    .description('group the faces in a folder of unlabelled photos into people (reads the photos, stores nothing)')
    .argument('<dir>', 'folder of photos (JPEG, PNG; sub-folders included)', existingPath('directory'))
    .option('--main-face', "only the face nearest each photo's centre (its subject), not every face")
    .option(
      '--threshold <distance>',
      "groups merge while their faces are at most this far apart on average (default: from the face model's distance table)",
      parseThreshold,
    )
    .option('--json', 'print only the JSON result line')
    .action(async (dir: string, opts: { mainFace?: boolean; threshold?: number; json?: boolean }) => {
      const report = await clusterFolder(dir, { ...opts, onPhoto: progressLine('photos', 250) });
      if (opts.json) console.log(JSON.stringify(report));
      else printReport(report);
    });
}
