// bench:stranger (issue 10, part 3): the kiosk's false-accept rate per frame and per visit, and the
// genuine greeted share, at the default settings, with K = 1, 5, 50 and all people of an ident list
// enrolled.
//   npm run bench:stranger -- LIST IMAGES_DIR [--cache FILE] [--draws N] [--frames 8] [--k 1,5,50,all]
//                             [--seed S] [--limit-photos N] [--backend wasm] [--target-far F]
//
// A visit is what a camera shows of one person: each photo becomes F frames (the photo on a 640x480
// grey frame as test/e2e/harness.ts makeCameraVideo shows it, with small seeded per-frame changes), then
// one frame without a face (the person walks away). Each frame is analysed ONCE by the real engine with
// the options the kiosk itself passes (learnt at run time from KioskService, not copied), the face
// followed across the visit's frames as the kiosk's stream is, and the results are cached (--cache,
// one JSON object a line, keyed by encoder, options, frame recipe, photo and frame index), as are the
// enrollment analyses of the enroll photos (the options EnrollmentService.importPhotos passes).
//
// The decisions are then made by a real PresenceApp on a real temporary SQLite database, per draw of K
// people: their photos go through the app's own EnrollmentService.importPhotos into the store, and each
// visit's frames through the app's own KioskService.frame. Its engine REPLAYS the cached analyses: the
// networks cost about 50 ms a frame here and every draw shows ~3,000 visits again, while everything
// after the engine (FaceIndex with its threshold and calibration, matcher, smoother, liveness gate,
// attendance rules) is the app's code, unchanged, on exactly what the engine gave for that frame.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PresenceApp } from '../src/main/app';
import { LOCAL_STATION } from '../src/main/domain/kiosk-stations';
import { photoInMemory } from '../src/main/domain/photo-import';
import { loadNow, machineInfo, machineLine } from './bench-kit.mjs';
import { mulberry32 } from '../src/main/domain/prng';
import type { AnalyzeInput, AnalyzeOptions, FaceEngine } from '../src/main/engine';
import { createInProcessEngine } from '../src/main/engine/engine';
import { parseIdentList, type IdentRow } from '../src/main/evaluation/pairs';
import { FileKeyProvider, keyFilePathFor } from '../src/main/security/key-provider';
import type { AnalyzeResult, EngineBackend, EngineStatus, FaceAnalysis, RgbaFrame } from '../src/shared/face';
import { DEFAULT_SETTINGS, type Settings } from '../src/shared/settings';
import type { KioskFrameResult } from '../src/shared/types';

// --- arguments -------------------------------------------------------------------------------------------
const USAGE =
  'usage: npm run bench:stranger -- LIST IMAGES_DIR [--cache FILE] [--draws N] [--frames 8] [--k 1,5,50,all] [--seed S] [--limit-photos N] [--backend wasm] [--target-far F]';
const argv = process.argv.slice(2);
const positional: string[] = [];
const flags = new Map<string, string>();
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a.startsWith('--')) {
    const v = argv[i + 1];
    if (v === undefined) fail(`${a} needs a value`);
    flags.set(a.slice(2), v);
    i++;
  } else positional.push(a);
}
const known = new Set(['cache', 'draws', 'frames', 'k', 'seed', 'limit-photos', 'backend', 'target-far']);
for (const f of flags.keys()) if (!known.has(f)) fail(`unknown option --${f}`);
const [listFile, imagesDir] = positional;
if (!listFile || !imagesDir || positional.length > 2) fail('LIST and IMAGES_DIR are required');
const int = (name: string, def: number | undefined, min: number): number | undefined => {
  const v = flags.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number >= ${min}, got "${v}"`);
  return n;
};
const cacheFile = flags.get('cache') ?? null;
const framesPerPhoto = int('frames', 8, 1)!;
const drawsFlag = int('draws', undefined, 1);
const seed = int('seed', 1, 0)!;
const limitPhotos = int('limit-photos', undefined, 1);
const backend = (flags.get('backend') ?? 'wasm') as EngineBackend;
const kList = (flags.get('k') ?? '1,5,50,all').split(',').map((s) => {
  const t = s.trim();
  if (t === 'all') return 'all' as const;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) fail(`--k takes whole numbers and "all", got "${t}"`);
  return n;
});
/** D per K when --draws is not given; a gallery of everyone is one draw whatever --draws says. */
const defaultDraws = (k: number): number => (k <= 5 ? 20 : 10);

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

// --- the photos ------------------------------------------------------------------------------------------
const allRows = parseIdentList(readFileSync(listFile, 'utf8'), imagesDir);
/**
 * --limit-photos N (a quick run): the people of the first N enroll rows with all their enroll and probe
 * photos, and the first N impostor photos. A prefix, so a quick run's frames stay in the full run's cache.
 */
function selectRows(rows: IdentRow[], limit: number | undefined): IdentRow[] {
  if (limit === undefined) return rows;
  const people = new Set(
    rows
      .filter((r) => r.role === 'enroll')
      .slice(0, limit)
      .map((r) => r.identity),
  );
  const impostors = rows.filter((r) => r.role === 'impostor').slice(0, limit);
  return rows.filter((r) => (r.role !== 'impostor' && people.has(r.identity)) || impostors.includes(r));
}
const rows = selectRows(allRows, limitPhotos);
const rel = (image: string) => path.relative(imagesDir, image);
const enrollRows = rows.filter((r) => r.role === 'enroll');
const enrollable = [...new Set(enrollRows.map((r) => r.identity))];
const photosOf = new Map<string, IdentRow[]>();
for (const r of rows) if (r.role !== 'impostor') photosOf.set(r.identity, [...(photosOf.get(r.identity) ?? []), r]);
const photos = [...new Set(rows.map((r) => r.image))];

// --- machine ---------------------------------------------------------------------------------------------
const machine = machineInfo();
const { cpu } = machine;
console.log(machineLine(machine));

// --- the real engine ---------------------------------------------------------------------------------------
const real = createInProcessEngine({ backend });
const realStatus = await real.start();
console.log(
  `engine: backend ${realStatus.backend}, encoder ${realStatus.encoderId} (${realStatus.embeddingSize}-D, default threshold ${realStatus.defaultThreshold}), started in ${realStatus.loadMs} ms`,
);

// --- the app's own analyze options ----------------------------------------------------------------------------
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Stable text of a plain value (object keys sorted), for keys and comparisons. */
function canonical(v: unknown): string {
  const norm = (x: unknown): Json =>
    Array.isArray(x)
      ? x.map(norm)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
              .map((k) => [k, norm((x as Record<string, unknown>)[k])]),
          )
        : (x as Json);
  return JSON.stringify(norm(v));
}

const EMPTY: AnalyzeResult = {
  width: 640,
  height: 480,
  encoderId: realStatus.encoderId!,
  faces: [],
  timings: { totalMs: 0 },
};

/** Answers "no face" to everything and remembers what it was asked with. */
class OptionsProbe implements FaceEngine {
  readonly calls: Array<{ input: AnalyzeInput['kind']; options: AnalyzeOptions }> = [];
  readonly defaultEncoderId: string;
  constructor(private readonly st: EngineStatus) {
    this.defaultEncoderId = st.encoderId!;
  }
  start = () => Promise.resolve(this.status());
  status = (): EngineStatus => ({ ...this.st, models: [...this.st.models], queueDepth: 0 });
  analyze(input: AnalyzeInput, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    this.calls.push({ input: input.kind, options: { ...options } });
    return Promise.resolve(EMPTY);
  }
  embedChips = (): Promise<Float32Array[]> => Promise.reject(new Error('the options probe embeds nothing'));
  stop = () => Promise.resolve();
}

interface TempPresence {
  app: PresenceApp;
  cleanup(): Promise<void>;
}
let clock = Date.UTC(2026, 0, 5, 7, 0, 0);
/** A real PresenceApp on a real SQLite file in a fresh temporary folder (as test/helpers/temp-app.ts). */
async function tempPresence(engine: FaceEngine): Promise<TempPresence> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'presence-stranger-'));
  const databasePath = path.join(dir, 'presence.db');
  const app = new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine,
    transport: 'http',
    version: '0.0.0-bench',
    now: () => clock,
  });
  await app.startEngine();
  return {
    app,
    cleanup: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TAG_MAGIC = [0x53, 0x54, 0x52, 0x47]; // "STRG"
/** The frame the kiosk is handed: 2x2 pixels whose bytes name the cached analysis to replay. */
function tagFrame(id: number): RgbaFrame {
  const rgba = new Uint8Array(16);
  new DataView(rgba.buffer).setUint32(0, id, true);
  rgba.set(TAG_MAGIC, 4);
  return { width: 2, height: 2, rgba };
}
function tagOf(frame: RgbaFrame): number {
  const ok = frame.width === 2 && frame.height === 2 && TAG_MAGIC.every((b, i) => frame.rgba[4 + i] === b);
  if (!ok) throw new Error('the kiosk passed the engine a frame that is not one of the bench frames');
  return new DataView(frame.rgba.buffer, frame.rgba.byteOffset).getUint32(0, true);
}

// What the kiosk asks of the engine for a live frame and enrollment for an imported photo, read from the
// app's own services, so the cached analyses are made exactly as the app would make them.
const probe = new OptionsProbe(realStatus);
{
  const t = await tempPresence(probe);
  await t.app.kiosk.frame(tagFrame(0));
  t.app.kiosk.reset();
  await t.app.enrollment.importPhotos({
    target: { newPerson: { name: 'options probe' } },
    photos: [photoInMemory('probe.jpg', new Uint8Array([0xff, 0xd8, 0xff]))],
    consent: { given: true, by: 'bench' },
    source: 'import',
    actor: 'cli',
  });
  await t.cleanup();
}
const kioskCall = probe.calls.find((c) => c.input === 'rgba');
const enrollCall = probe.calls.find((c) => c.input === 'bytes');
if (!kioskCall || !enrollCall) throw new Error('could not learn the kiosk and enrollment analyze options');
/** The options that make an analysis; `trackFresh` only says when a visit's tracking starts (the bench follows its own). */
const analysisOptions = ({ trackFresh: _fresh, ...options }: AnalyzeOptions): AnalyzeOptions => options;
const kioskOptions = analysisOptions(kioskCall.options);
const enrollOptions = enrollCall.options;
console.log(`kiosk analyze options (from KioskService): ${canonical(kioskOptions)}`);
console.log(`enrollment analyze options (from EnrollmentService.importPhotos): ${canonical(enrollOptions)}`);

// --- the cache -----------------------------------------------------------------------------------------------
/** Bump when the way photos become camera frames changes: cached frames of another recipe are not used. */
const FRAME_RECIPE = 'frames-v1: 360px on 640x480 grey, shift +-4px, scale +-5%, gain +-10%, noise, jpeg 75-90';
const frameSpace = `${realStatus.encoderId}|${canonical(kioskOptions)}|${FRAME_RECIPE}`;
const enrollSpace = `${realStatus.encoderId}|${canonical(enrollOptions)}`;
const frameKey = (image: string, i: number) => `${frameSpace}|${rel(image)}#${i}`;
const enrollKey = (image: string) => `${enrollSpace}|${rel(image)}|enroll`;
const greyKey = `${frameSpace}|grey`;

/**
 * An analysis as JSON: embeddings as number arrays (8 significant digits: distances move by < 1e-6),
 * byte fields (the enrollment thumbnail and face chip) as base64, every other field as it is, so fields
 * the engine adds later are kept too.
 */
type CachedResult = Omit<AnalyzeResult, 'faces'> & { faces: Array<Record<string, unknown>> };
const cache = new Map<string, AnalyzeResult>();
const round = (x: number, digits: number) => +x.toFixed(digits);
function toCached(r: AnalyzeResult): CachedResult {
  return {
    ...r,
    faces: r.faces.map((f) =>
      Object.fromEntries(
        Object.entries(f).map(([k, v]): [string, unknown] => {
          if (v instanceof Float32Array) return [k, Array.from(v, (x) => +x.toPrecision(8))];
          if (v instanceof Uint8Array) return [k, { base64: Buffer.from(v).toString('base64') }];
          if (k === 'landmarks') return [k, (v as Array<[number, number]>).map(([x, y]) => [round(x, 2), round(y, 2)])];
          return [k, v];
        }),
      ),
    ),
  };
}
function fromCached(c: CachedResult): AnalyzeResult {
  return {
    ...c,
    faces: c.faces.map(
      (f) =>
        Object.fromEntries(
          Object.entries(f).map(([k, v]): [string, unknown] => {
            if (k === 'embedding') return [k, Float32Array.from(v as number[])];
            if (v !== null && typeof v === 'object' && 'base64' in v)
              return [k, new Uint8Array(Buffer.from((v as { base64: string }).base64, 'base64'))];
            return [k, v];
          }),
        ) as unknown as FaceAnalysis,
    ),
  };
}
if (cacheFile && existsSync(cacheFile)) {
  let bad = 0;
  for (const line of readFileSync(cacheFile, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const { key, result } = JSON.parse(line) as { key: string; result: CachedResult };
      if (key.startsWith(frameSpace) || key.startsWith(enrollSpace)) cache.set(key, fromCached(result));
    } catch {
      bad++; // a line cut short by an interrupted run
    }
  }
  console.log(
    `cache ${cacheFile}: ${cache.size} analyses for this encoder and these options${bad ? `, ${bad} bad lines skipped` : ''}`,
  );
}
function remember(key: string, result: AnalyzeResult): void {
  cache.set(key, result);
  if (cacheFile) appendFileSync(cacheFile, JSON.stringify({ key, result: toCached(result) }) + '\n');
}

// --- camera frames ---------------------------------------------------------------------------------------------
const FRAME_W = 640;
const FRAME_H = 480;
const FACE_PX = 360;
const GREY = 128;
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
/**
 * Frame i of a photo as a camera would show it: the photo about 360x360 on a 640x480 grey frame, shifted
 * a few pixels, scaled +-5 %, brighter or darker by up to 10 %, with sensor noise and a JPEG round trip.
 * Seeded by the photo and the frame index, so every run makes the same frames.
 */
async function cameraFrame(image: string, i: number): Promise<RgbaFrame> {
  const rnd = mulberry32(hash32(`${rel(image)}#${i}`));
  const pm = () => rnd() * 2 - 1;
  const size = Math.round(FACE_PX * (1 + 0.05 * pm()));
  const left = Math.round((FRAME_W - size) / 2 + 4 * pm());
  const top = Math.round((FRAME_H - size) / 2 + 4 * pm());
  const gain = 1 + 0.1 * pm();
  const sigma = 1.5 + 2 * rnd();
  const quality = 75 + Math.floor(16 * rnd());
  const face = await sharp(image).removeAlpha().resize(size, size).raw().toBuffer();
  const canvas = new Uint8ClampedArray(FRAME_W * FRAME_H * 3).fill(GREY);
  for (let y = 0; y < size; y++) {
    const fy = top + y;
    if (fy < 0 || fy >= FRAME_H) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(size, FRAME_W - left);
    if (x1 <= x0) continue;
    canvas.set(face.subarray((y * size + x0) * 3, (y * size + x1) * 3), (fy * FRAME_W + left + x0) * 3);
  }
  // Exposure and sensor noise (triangular, variance sigma^2) over the whole frame, as the camera applies them.
  const spread = sigma * Math.sqrt(6);
  for (let k = 0; k < canvas.length; k++) canvas[k] = canvas[k]! * gain + (rnd() + rnd() - 1) * spread;
  const jpeg = await sharp(Buffer.from(canvas.buffer), { raw: { width: FRAME_W, height: FRAME_H, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
const greyFrame: RgbaFrame = {
  width: FRAME_W,
  height: FRAME_H,
  rgba: new Uint8Array(FRAME_W * FRAME_H * 4).fill(GREY),
};

// --- extraction (the real engine, once per frame) --------------------------------------------------------------
const pct = (v: readonly number[], p: number) => {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p + 0.5))]!;
};
const enrollSet = new Set(enrollRows.map((r) => r.image));
const framesCached = (p: string) =>
  Array.from({ length: framesPerPhoto }, (_, i) => cache.has(frameKey(p, i))).every(Boolean);
const todo = photos.filter((p) => !framesCached(p) || (enrollSet.has(p) && !cache.has(enrollKey(p))));
const wallPerFrame: number[] = [];
if (todo.length || !cache.has(greyKey)) {
  console.log(
    `# extracting: ${todo.length} of ${photos.length} photos (x ${framesPerPhoto} frames, and the enrollment analysis of enroll photos); progress below`,
  );
  const t0 = performance.now();
  let lastLog = t0;
  let framesDone = 0;
  // The frames of the next photo are made (sharp, in its own threads) while the engine runs this one.
  const framesFor = (p: string): Promise<RgbaFrame[]> | null =>
    framesCached(p) ? null : Promise.all(Array.from({ length: framesPerPhoto }, (_, i) => cameraFrame(p, i)));
  let next = todo.length ? framesFor(todo[0]!) : null;
  for (let n = 0; n < todo.length; n++) {
    const p = todo[n]!;
    const making = next;
    next = n + 1 < todo.length ? framesFor(todo[n + 1]!) : null;
    if (enrollSet.has(p) && !cache.has(enrollKey(p)))
      remember(enrollKey(p), await real.analyze({ kind: 'file', path: p }, enrollOptions));
    if (making) {
      const frames = await making;
      // The whole visit in order on the kiosk's stream (the face is followed from frame to frame), then
      // the frame without a face that ends it: the next visit starts without a track, as at the kiosk.
      for (let i = 0; i < frames.length; i++) {
        const s = performance.now();
        const r = await real.analyze({ kind: 'rgba', frame: frames[i]! }, kioskOptions);
        wallPerFrame.push(performance.now() - s);
        remember(frameKey(p, i), r);
        framesDone++;
      }
      const grey = await real.analyze({ kind: 'rgba', frame: greyFrame }, kioskOptions);
      if (!cache.has(greyKey)) remember(greyKey, grey);
    }
    const now = performance.now();
    if (now - lastLog > 30_000 || n + 1 === todo.length) {
      lastLog = now;
      const perPhoto = (now - t0) / (n + 1);
      const eta = ((todo.length - n - 1) * perPhoto) / 60_000;
      console.log(
        `# ${n + 1}/${todo.length} photos, ${framesDone} frames, engine p50 ${pct(wallPerFrame, 0.5).toFixed(0)} ms a frame, ${(perPhoto / 1000).toFixed(2)} s a photo (frames made, enrollment), ETA ${eta.toFixed(1)} min, load ${loadNow()}`,
      );
    }
  }
  if (!cache.has(greyKey)) remember(greyKey, await real.analyze({ kind: 'rgba', frame: greyFrame }, kioskOptions));
}
await real.stop();
const engineMsPerFrame = photos.flatMap((p) =>
  Array.from({ length: framesPerPhoto }, (_, i) => cache.get(frameKey(p, i))!.timings.totalMs),
);

// --- the replay engine -----------------------------------------------------------------------------------------
const frameTable: AnalyzeResult[] = [];
const frameIdOf = new Map<string, number>();
const idOf = (key: string): number => {
  let id = frameIdOf.get(key);
  if (id === undefined) {
    const r = cache.get(key);
    if (!r) throw new Error(`no cached analysis for ${key}`);
    id = frameTable.push(r) - 1;
    frameIdOf.set(key, id);
  }
  return id;
};
const greyId = idOf(greyKey);

/**
 * The engine the app is given: the real engine's status (encoder, embedding size, threshold and whatever
 * else it reports), and for each frame the real engine's cached analysis of it. Asked with other options
 * than the analyses were made with, it refuses, rather than measure something the app no longer does.
 */
class ReplayEngine implements FaceEngine {
  readonly defaultEncoderId: string;
  constructor(
    private readonly st: EngineStatus,
    private readonly files: ReadonlyMap<string, AnalyzeResult>,
  ) {
    this.defaultEncoderId = st.encoderId!;
  }
  start(options: { encoderId?: string } = {}): Promise<EngineStatus> {
    if (options.encoderId !== undefined && options.encoderId !== this.st.encoderId)
      return Promise.reject(
        new Error(`the app asked for encoder ${options.encoderId}; the frames were analysed with ${this.st.encoderId}`),
      );
    return Promise.resolve(this.status());
  }
  status = (): EngineStatus => ({ ...this.st, models: [...this.st.models], queueDepth: 0 });
  analyze(input: AnalyzeInput, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    if (input.kind === 'rgba') {
      if (canonical(analysisOptions(options)) !== canonical(kioskOptions))
        throw new Error(
          `the kiosk now analyses with ${canonical(options)}; the cached frames were made with ${canonical(kioskOptions)}`,
        );
      // A cache written before analyses named their space is of the encoder checked above.
      return Promise.resolve({ ...frameTable[tagOf(input.frame)]!, encoderId: this.st.encoderId! });
    }
    // Enrollment hands the engine each photo's bytes, named by the bench with the photo's path.
    if (input.kind !== 'bytes') throw new Error('enrollment gave the engine something other than a photo file');
    if (canonical(options) !== canonical(enrollOptions))
      throw new Error(
        `enrollment now analyses with ${canonical(options)}; the cache was made with ${canonical(enrollOptions)}`,
      );
    const r = input.name === undefined ? undefined : this.files.get(input.name);
    if (!r) throw new Error(`no cached enrollment analysis of ${input.name}`);
    return Promise.resolve({ ...r, encoderId: this.st.encoderId! });
  }
  /** Stored chips are re-embedded only when the encoder changes, which a bench's fresh database never sees. */
  embedChips = (): Promise<Float32Array[]> =>
    Promise.reject(new Error('the bench replays analyses; it does not re-embed stored face chips'));
  stop = () => Promise.resolve();
}
const enrollAnalyses = new Map(enrollRows.map((r) => [r.image, cache.get(enrollKey(r.image))!]));
const replay = new ReplayEngine(realStatus, enrollAnalyses);

// --- visits ------------------------------------------------------------------------------------------------------
const FRAME_MS = 150;
const VISIT_GAP_MS = 10 * 60_000;
type Decision = ReturnType<PresenceApp['index']['identify']>;

interface Visit {
  results: KioskFrameResult[];
  /** The decisions of the kiosk's own FaceIndex.identify calls on this visit's frames. */
  matches: Decision[];
}

/**
 * One person in front of the kiosk: the screen starts a fresh run, the visit's frames come one at a time
 * (each answered before the next, as the kiosk page does), then a frame without a face.
 */
async function visit(app: PresenceApp, observed: Decision[], frameIds: readonly number[]): Promise<Visit> {
  clock += VISIT_GAP_MS;
  app.kiosk.reset(LOCAL_STATION);
  observed.length = 0;
  const results: KioskFrameResult[] = [];
  for (const id of frameIds) {
    clock += FRAME_MS;
    results.push(await app.kiosk.frame(tagFrame(id), LOCAL_STATION));
  }
  const matches = observed.splice(0);
  clock += FRAME_MS;
  results.push(await app.kiosk.frame(tagFrame(greyId), LOCAL_STATION));
  observed.length = 0;
  return { results, matches };
}

type ThresholdView = { alpha: number; strongAlpha?: number; source?: string; expectedFar?: number | null };
/**
 * The threshold in force as the kiosk reads it: FaceIndex.inForce where the index has it (with what the
 * encoder's table expects at that alpha), else FaceIndex.threshold. Both are read, not recomputed.
 */
function thresholdOf(index: PresenceApp['index'], settings: Settings): ThresholdView {
  const i = index as unknown as { inForce?: (s: Settings) => ThresholdView; threshold: (s: Settings) => number };
  return i.inForce ? i.inForce(settings) : { alpha: i.threshold(settings) };
}
/**
 * The gallery review behind the threshold (look-alikes, duplicates) runs between other work, after each
 * enrollment; it has long finished when someone walks up to a real kiosk. The replayed frames never yield
 * to the event loop, so it is let finish here, before the first visit.
 */
async function settle(index: PresenceApp['index']): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await (index as unknown as { reviewed?: () => Promise<void> }).reviewed?.();
}

interface KStats {
  k: number | 'all';
  people: number;
  draws: number;
  alpha: number[];
  /** What the threshold expects a stranger's frame to be accepted at (the encoder's table), per draw. */
  expectedFar: number[];
  alphaSources: Record<string, number>;
  enrollPhotosRefused: number;
  enrollDuplicatesFlagged: number;
  peopleNotEnrolled: number;
  strangerFrames: number;
  strangerFramesMatched: number;
  strangerFrameFalseAccepts: number;
  strangerVisits: number;
  strangerVisitFalseAccepts: number;
  genuineVisits: number;
  genuineGreetedRight: number;
  genuineGreetedWrong: number;
  genuineNotGreeted: number;
  /** Genuine visits with not one frame the kiosk matched (no face, too small, or a second face beside it). */
  genuineNoMatchedFrame: number;
  genuineFrames: number;
  genuineFramesMatched: number;
  genuineFramesAcceptedRight: number;
  falseAcceptExamples: Array<{ draw: number; photo: string; greetedAs: string[] }>;
  ms: number;
}

const frameIdsOf = (image: string) => Array.from({ length: framesPerPhoto }, (_, i) => idOf(frameKey(image, i)));
const impostorRows = rows.filter((r) => r.role === 'impostor');
let settingsInForce: Settings | null = null;

async function runK(k: number | 'all'): Promise<KStats | null> {
  const size = k === 'all' ? enrollable.length : k;
  if (size > enrollable.length) {
    console.log(`# K=${k}: skipped, only ${enrollable.length} people in the list`);
    return null;
  }
  const draws = k === 'all' ? 1 : (drawsFlag ?? defaultDraws(size));
  const st: KStats = {
    k,
    people: size,
    draws,
    alpha: [],
    expectedFar: [],
    alphaSources: {},
    enrollPhotosRefused: 0,
    enrollDuplicatesFlagged: 0,
    peopleNotEnrolled: 0,
    strangerFrames: 0,
    strangerFramesMatched: 0,
    strangerFrameFalseAccepts: 0,
    strangerVisits: 0,
    strangerVisitFalseAccepts: 0,
    genuineVisits: 0,
    genuineGreetedRight: 0,
    genuineGreetedWrong: 0,
    genuineNotGreeted: 0,
    genuineNoMatchedFrame: 0,
    genuineFrames: 0,
    genuineFramesMatched: 0,
    genuineFramesAcceptedRight: 0,
    falseAcceptExamples: [],
    ms: 0,
  };
  const t0 = performance.now();
  const rnd = mulberry32(hash32(`${seed}|K=${k}`));
  for (let d = 0; d < draws; d++) {
    // K people drawn without replacement (a partial Fisher-Yates shuffle).
    const pool = [...enrollable];
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(rnd() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const drawn = pool.slice(0, size);
    const t = await tempPresence(replay);
    const { app } = t;
    // --target-far: the same decision path at another setting (the trade-off curve); default: the app's.
    const targetFar = flags.get('target-far');
    if (targetFar !== undefined) app.updateSettings({ targetFar: Number(targetFar) }, 'cli');
    // The kiosk's own per-frame matches: its FaceIndex.identify calls are observed (the decision the
    // kiosk gets is passed back untouched), so per-frame figures are that very call, not a copy of it.
    const observed: Decision[] = [];
    const index = app.index;
    const identify = index.identify.bind(index);
    let watching = false;
    index.identify = (...args: Parameters<typeof identify>) => {
      const decision = identify(...args);
      if (watching) observed.push(decision);
      return decision;
    };

    const idToName = new Map<string, string>();
    for (const person of drawn) {
      const photosIn = photosOf.get(person)!.filter((r) => r.role === 'enroll');
      const r = await app.enrollment.importPhotos({
        target: { newPerson: { name: person } },
        photos: photosIn.map((p) => photoInMemory(p.image, new Uint8Array(readFileSync(p.image)))),
        consent: { given: true, by: 'bench' },
        source: 'import',
        actor: 'cli',
        // These photos are of this person (LFW's labels): the administrator would add a look-alike's photo anyway.
        acceptDuplicates: true,
      });
      st.enrollPhotosRefused += r.results.filter((x) => !x.ok).length;
      st.enrollDuplicatesFlagged += r.results.filter((x) => x.duplicateOf).length;
      if (r.commit) idToName.set(r.commit.person.id, person);
      else st.peopleNotEnrolled++;
    }
    const gallery = new Set(idToName.values());
    const settings = app.settings();
    settingsInForce ??= settings;
    await settle(app.index);
    const inForce = thresholdOf(app.index, settings);
    st.alpha.push(inForce.alpha);
    if (typeof inForce.expectedFar === 'number') st.expectedFar.push(inForce.expectedFar);
    if (inForce.source) st.alphaSources[inForce.source] = (st.alphaSources[inForce.source] ?? 0) + 1;

    watching = true;
    const strangers = [...rows.filter((r) => r.role !== 'impostor' && !gallery.has(r.identity)), ...impostorRows];
    for (const s of strangers) {
      const v = await visit(app, observed, frameIdsOf(s.image));
      st.strangerVisits++;
      st.strangerFrames += framesPerPhoto;
      st.strangerFramesMatched += v.matches.length;
      st.strangerFrameFalseAccepts += v.matches.filter((m) => m.accepted).length;
      const greeted = v.results.filter((r) => r.greeting).map((r) => r.greeting!.name);
      if (greeted.length) {
        st.strangerVisitFalseAccepts++;
        if (st.falseAcceptExamples.length < 20)
          st.falseAcceptExamples.push({ draw: d, photo: rel(s.image), greetedAs: greeted });
      }
    }
    const nameToId = new Map([...idToName].map(([id, name]) => [name, id]));
    for (const g of rows.filter((r) => r.role === 'probe' && gallery.has(r.identity))) {
      const v = await visit(app, observed, frameIdsOf(g.image));
      st.genuineVisits++;
      st.genuineFrames += framesPerPhoto;
      st.genuineFramesMatched += v.matches.length;
      st.genuineFramesAcceptedRight += v.matches.filter(
        (m) => m.accepted && m.personId === nameToId.get(g.identity),
      ).length;
      const greeted = v.results.filter((r) => r.greeting).map((r) => r.greeting!.name);
      if (greeted.includes(g.identity)) st.genuineGreetedRight++;
      if (greeted.some((n) => n !== g.identity)) st.genuineGreetedWrong++;
      if (!greeted.length) st.genuineNotGreeted++;
      if (!greeted.length && v.matches.length === 0) st.genuineNoMatchedFrame++;
    }
    watching = false;
    await t.cleanup();
  }
  st.ms = performance.now() - t0;
  console.log(`# K=${k}: ${draws} draws in ${(st.ms / 1000).toFixed(1)} s`);
  return st;
}

const stats: KStats[] = [];
for (const k of kList) {
  const s = await runK(k);
  if (s) stats.push(s);
}
if (!stats.length) fail('no K could be run on this list');
const framesMatched = stats.reduce((n, s) => n + s.strangerFramesMatched + s.genuineFramesMatched, 0);
if (framesMatched === 0)
  throw new Error('the kiosk made no FaceIndex.identify call on any frame: it now matches elsewhere, fix the bench');

// --- output --------------------------------------------------------------------------------------------------------
const settings = settingsInForce!;
const rate = (n: number, of: number) => (of ? n / of : NaN);
const upper95 = (n: number, of: number) => (n === 0 && of ? 3 / of : null);
const sci = (x: number) => (Number.isNaN(x) ? '-' : x === 0 ? '0' : x.toExponential(1));
const pctText = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)} %`);
const alphaText = (a: number[]) =>
  a.length === 1
    ? a[0]!.toFixed(3)
    : `${pct(a, 0.5).toFixed(3)} [${Math.min(...a).toFixed(3)}..${Math.max(...a).toFixed(3)}]`;

console.log('');
console.log(
  `machine: ${cpu}, ${machine.cores} cores, node ${machine.node}; engine backend ${realStatus.backend}, encoder ${realStatus.encoderId} (${realStatus.embeddingSize}-D, its default threshold ${realStatus.defaultThreshold})`,
);
console.log(
  `settings in force (the app's, fresh database${canonical(settings) === canonical(DEFAULT_SETTINGS) ? ' = DEFAULT_SETTINGS' : ', NOT DEFAULT_SETTINGS'}): targetFar ${settings.targetFar}, margin ${settings.margin}, threshold ${settings.threshold ?? 'null (calibrated)'}, livenessRequired ${settings.livenessRequired}, cooldown ${settings.cooldownMinutes} min`,
);
console.log(
  `alpha in force (the FaceIndex's, after enrollment; median [min..max] over draws): ${stats
    .map(
      (s) =>
        `K=${s.k}: ${alphaText(s.alpha)} (${
          Object.entries(s.alphaSources)
            .map(([k, n]) => `${k} x${n}`)
            .join(', ') || 'source not reported'
        })`,
    )
    .join('; ')}`,
);
if (stats.some((s) => s.expectedFar.length))
  console.log(
    `stranger frame accepted as anyone, as the threshold expects it (the encoder's table at alpha; median over draws): ${stats.map((s) => `K=${s.k}: ${sci(pct(s.expectedFar, 0.5))}`).join(', ')}`,
  );
console.log(
  `photos: ${rows.length} rows (${enrollable.length} people to enroll, ${rows.filter((r) => r.role === 'probe').length} probes, ${impostorRows.length} impostors)${limitPhotos ? ` (--limit-photos ${limitPhotos})` : ''}; ${framesPerPhoto} frames a visit + 1 without a face; ${FRAME_MS} ms a frame, ${VISIT_GAP_MS / 60_000} min between visits; seed ${seed}`,
);
console.log(
  `engine time per kiosk frame (when extracted, timings.totalMs): p50 ${pct(engineMsPerFrame, 0.5).toFixed(1)} ms, p90 ${pct(engineMsPerFrame, 0.9).toFixed(1)} ms${wallPerFrame.length ? `; this run's extraction: p50 ${pct(wallPerFrame, 0.5).toFixed(1)} ms over ${wallPerFrame.length} frames` : ''}`,
);
console.log(
  "per-frame figures are the kiosk's own FaceIndex.identify decision on each frame it matched (faces too small or crowded are not matched); per-visit figures are greetings (KioskFrameResult.greeting), recorded or within cooldown",
);
console.log('');
const head = [
  'K',
  'draws',
  'stranger frames',
  'matched',
  'FA/frame',
  'FA rate/frame',
  'stranger visits',
  'FA/visit',
  'FA rate/visit',
  'genuine visits',
  'greeted right',
  'wrong person',
  'not greeted',
];
const body = stats.map((s) => {
  const fv = rate(s.strangerVisitFalseAccepts, s.strangerVisits);
  const ub = upper95(s.strangerVisitFalseAccepts, s.strangerVisits);
  const ff = rate(s.strangerFrameFalseAccepts, s.strangerFramesMatched);
  const ubf = upper95(s.strangerFrameFalseAccepts, s.strangerFramesMatched);
  return [
    String(s.k),
    String(s.draws),
    String(s.strangerFrames),
    String(s.strangerFramesMatched),
    String(s.strangerFrameFalseAccepts),
    ubf !== null ? `0 (<= ${sci(ubf)})` : sci(ff),
    String(s.strangerVisits),
    String(s.strangerVisitFalseAccepts),
    ub !== null ? `0 (<= ${sci(ub)})` : sci(fv),
    String(s.genuineVisits),
    pctText(rate(s.genuineGreetedRight, s.genuineVisits)),
    String(s.genuineGreetedWrong),
    String(s.genuineNotGreeted),
  ];
});
const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of body) console.log(line(r));
console.log('(rate bounds "<= x" are the upper 95 % bound 3/n when nothing was counted)');
for (const s of stats) {
  const notes = [
    s.enrollPhotosRefused ? `${s.enrollPhotosRefused} enroll photos refused by enrollment` : '',
    s.enrollDuplicatesFlagged
      ? `${s.enrollDuplicatesFlagged} flagged as looking like someone enrolled (added anyway)`
      : '',
    s.peopleNotEnrolled ? `${s.peopleNotEnrolled} drawn people not enrolled (no good photo; counted as strangers)` : '',
    `genuine frames accepted as the right person ${pctText(rate(s.genuineFramesAcceptedRight, s.genuineFramesMatched))} of ${s.genuineFramesMatched} matched; ${s.genuineNoMatchedFrame} of the ${s.genuineNotGreeted} genuine visits not greeted had no frame the kiosk could match (no face, too small, or another face beside it)`,
  ].filter(Boolean);
  console.log(`K=${s.k}: ${notes.join('; ')}`);
  for (const e of s.falseAcceptExamples.slice(0, 5))
    console.log(`  false accept: draw ${e.draw}, ${e.photo} greeted as ${e.greetedAs.join(', ')}`);
}
console.log(
  JSON.stringify({
    bench: 'stranger',
    machine: {
      ...machine,
      backend: realStatus.backend,
      encoderId: realStatus.encoderId,
      embeddingSize: realStatus.embeddingSize,
    },
    settings: {
      targetFar: settings.targetFar,
      margin: settings.margin,
      threshold: settings.threshold,
      livenessRequired: settings.livenessRequired,
    },
    kioskOptions,
    enrollOptions,
    framesPerVisit: framesPerPhoto,
    limitPhotos: limitPhotos ?? null,
    seed,
    engineMsPerFrame: { p50: pct(engineMsPerFrame, 0.5), p90: pct(engineMsPerFrame, 0.9) },
    results: stats.map(({ alpha, expectedFar, ...s }) => ({
      ...s,
      alpha: { median: pct(alpha, 0.5), min: Math.min(...alpha), max: Math.max(...alpha) },
      expectedFarPerFrame: expectedFar.length ? pct(expectedFar, 0.5) : null,
      falseAcceptRatePerFrame: rate(s.strangerFrameFalseAccepts, s.strangerFramesMatched),
      falseAcceptRatePerFrameUpper95: upper95(s.strangerFrameFalseAccepts, s.strangerFramesMatched),
      falseAcceptRatePerVisit: rate(s.strangerVisitFalseAccepts, s.strangerVisits),
      falseAcceptRatePerVisitUpper95: upper95(s.strangerVisitFalseAccepts, s.strangerVisits),
      genuineGreetedShare: rate(s.genuineGreetedRight, s.genuineVisits),
      ms: Math.round(s.ms),
    })),
  }),
);
