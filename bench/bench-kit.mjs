// What several benches share: the machine they ran on, and people and camera frames from a folder of
// LFW-style photos (`<Name>_NNNN.jpg`, flat or in one sub-folder per person). Plain ESM, so the benches
// written in JavaScript import it as they are, and the TypeScript ones through esbuild (bench-kit.d.mts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** The load average now, as "1.2 0.9 0.7". */
export function loadNow() {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

/** The machine, for the figures' context: cpu, cores, memory, node, platform. */
export function machineInfo() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown cpu',
    cores: os.cpus().length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

/** "machine: <cpu>, 2 cores, 23.5 GiB, node v20, linux x64, load 1.0 0.8 0.5" */
export function machineLine(m = machineInfo()) {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, node ${m.node}, ${m.platform}, load ${loadNow()}`;
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

/** The photos in `dir` and in its sub-folders (one level), sorted. */
export function photosUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory())
      out.push(
        ...fs
          .readdirSync(p)
          .filter((f) => IMAGE.test(f))
          .map((f) => path.join(p, f)),
      );
    else if (IMAGE.test(entry.name)) out.push(p);
  }
  return out.sort();
}

/** The people of LFW-named photos, most photos first: [name, photos][]. */
export function peopleOf(files) {
  const byPerson = new Map();
  for (const f of files) {
    const name = path
      .basename(f)
      .replace(/(_\d+)?\.[^.]+$/, '')
      .replace(/_/g, ' ');
    byPerson.set(name, [...(byPerson.get(name) ?? []), f]);
  }
  return [...byPerson].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/** Up to 3 photos (half of them at most) to enroll, the rest to show; one photo is both. */
export function enrollAndShow(name, photos) {
  const nEnroll = photos.length === 1 ? 1 : Math.min(3, Math.ceil(photos.length / 2));
  return { name, enroll: photos.slice(0, nEnroll), show: photos.length === 1 ? photos : photos.slice(nEnroll) };
}

/** The photo at 360 px on a 640x480 grey frame, as the browser tests' fake camera shows it (RGBA). */
export async function cameraFrame(file) {
  const { data, info } = await sharp(file)
    .resize(360, 360, { fit: 'contain', background: '#808080' })
    .extend({ top: 60, bottom: 60, left: 140, right: 140, background: '#808080' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgba: new Uint8Array(data) };
}
