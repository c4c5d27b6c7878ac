// bench:soak (issue 11): does a station that runs for hours stay as it started? The real `presence serve`
// with a kiosk client at 5 fps fed with real faces, plus an occasional enrollment and export, for N
// minutes; the server samples its own health (`--health-log`: RSS, heap, tensors, open handles,
// event-loop delay, database size) and this prints each figure's trend.
//   npm run bench:soak -- [PHOTO_FOLDER] [--minutes 60] [--fps 5] [--people 5] [--sample-seconds 60]
//                         [--enroll-every 120] [--export-every 300] [--keep]
//
// PHOTO_FOLDER: photos named like LFW (`<Name>_NNNN.jpg`, flat or one sub-folder per person), default
// test/fixtures/e2e. The --people with the most photos are enrolled (up to 3 photos each, with
// `presence import`) and visit the kiosk; the next person with at least 2 photos is the one the admin
// enrolls and erases again, so the gallery does not grow with every enrollment.
//
// The kiosk client is one kiosk screen as src/renderer talks to the server: one WebSocket, one `kiosk.frame`
// at a time (the next frame waits for the answer, at most --fps a second). A visit is `kiosk.reset`, then
// frames of one person (a photo on a 640x480 grey frame, as bench/kiosk-latency.mjs shows them) until the
// answer greets or 15 frames went by, then a few empty frames (the person walked away). The admin has a
// second connection, so its own admin session: it sets the PIN once, and each time it works unlocks, enrolls a
// new person from 2 photos (`enroll.importPhotos`) and erases them (`people.erase`), or exports today's
// attendance as CSV (`attendance.export`). The first of each comes after half its interval, so a short try
// run does both.
//
// A failed call is a finding, counted by its error code and printed, not a crash; the bench exits non-zero
// when there was any, or when the server did not stop cleanly on SIGTERM. Last line: one JSON object.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { cameraFrame, enrollAndShow, loadNow, machineInfo, machineLine, peopleOf, photosUnder } from './bench-kit.mjs';
import type { HealthSample } from '../src/main/health';
import type { ChannelName, InputOf, OutputOf } from '../src/shared/contract';
import type { KioskFrameResult } from '../src/shared/types';
import {
  decodeMessage,
  encodeMessage,
  TOKEN_PROTOCOL_PREFIX,
  WIRE_PROTOCOL,
  type WireResponse,
} from '../src/shared/wire';

// --- arguments -------------------------------------------------------------------------------------------
const USAGE =
  'usage: npm run bench:soak -- [PHOTO_FOLDER] [--minutes 60] [--fps 5] [--people 5] [--sample-seconds 60] [--enroll-every 120] [--export-every 300] [--keep]';
// This runs as bench/.build/soak.mjs.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const positional: string[] = [];
const flags = new Map<string, string>();
let keep = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--keep') keep = true;
  else if (a.startsWith('--')) {
    const v = argv[i + 1];
    if (v === undefined) fail(`${a} needs a value`);
    flags.set(a.slice(2), v);
    i++;
  } else positional.push(a);
}
const known = new Set(['minutes', 'fps', 'people', 'sample-seconds', 'enroll-every', 'export-every']);
for (const f of flags.keys()) if (!known.has(f)) fail(`unknown option --${f}`);
if (positional.length > 1) fail('at most one photo folder');
const num = (name: string, def: number, min: number, whole = false): number => {
  const v = flags.get(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n)))
    fail(`--${name} must be a ${whole ? 'whole ' : ''}number >= ${min}, got "${v}"`);
  return n;
};
const minutes = num('minutes', 60, 0.1);
const fps = num('fps', 5, 0.1);
const maxPeople = num('people', 5, 1, true);
const sampleSeconds = num('sample-seconds', 60, 1);
const enrollEveryMs = num('enroll-every', 120, 5) * 1000;
const exportEveryMs = num('export-every', 300, 5) * 1000;
const source = path.resolve(positional[0] ?? path.join(root, 'test', 'fixtures', 'e2e'));
const cli = path.join(root, 'bin', 'presence.cjs');

function fail(message: string): never {
  console.error(`bench:soak: ${message}\n${USAGE}`);
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'dist', 'cli', 'index.cjs')))
  fail('the app is not built: run "node scripts/build.mjs" first (npm run bench:soak does).');
if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) fail(`${source} is not a folder of photos`);

/** Frames of a visit before it counts as not greeted: 3 s at 5 fps, far more than a greeting takes. */
const MAX_FRAMES_PER_VISIT = 15;
/** Empty frames between two visits: the person walks away, the engine loses the face. */
const EMPTY_FRAMES = 3;
/** A call not answered in this long is counted as BENCH_TIMEOUT (the server is stuck, or far too slow). */
const CALL_TIMEOUT_MS = 120_000;
const PIN = '2580';
/** One kiosk screen, under its own station name as each screen has. */
const STATION = 'bench-soak';

// --- machine ---------------------------------------------------------------------------------------------
const machine = { ...machineInfo(), loadAtStart: loadNow() };
console.log(machineLine(machine));

// --- photos: group by LFW-style name ---------------------------------------------------------------------
const ranked = peopleOf(photosUnder(source));
const visitors = ranked.slice(0, maxPeople).map(([name, photos]) => enrollAndShow(name, photos));
// Not one of the visitors: enrolling a visitor's face again would be refused as a duplicate.
const enrollee = ranked.slice(maxPeople).find(([, photos]) => photos.length >= 2);
if (visitors.length === 0) fail(`no photos (.jpg, .png, .webp) in ${source}`);
if (!enrollee)
  fail(`${source} needs one more person with at least 2 photos than --people (${maxPeople}), for the admin to enroll`);
const [enrolleeName, enrolleePhotos] = enrollee;
const enrollPhotos = enrolleePhotos.slice(0, 2);
console.log(
  `photos: ${source}: ${visitors.length} visitors (${visitors.map((p) => `${p.name}: ${p.enroll.length} enrolled, ${p.show.length} shown`).join('; ')}); ` +
    `the admin enrolls and deletes ${enrolleeName} (2 photos)`,
);
console.log(
  `plan: ${minutes} min, kiosk at ${fps} fps (one frame in flight), an enrollment every ${enrollEveryMs / 1000} s and an export every ${exportEveryMs / 1000} s (the first of each after half that), health sampled every ${sampleSeconds} s`,
);

// --- frames: each photo on a 640x480 grey frame ----------------------------------------------------------
/** A camera frame as the contract takes it (its bytes on their own ArrayBuffer). */
type Frame = InputOf<'kiosk.frame'>['frame'];
const frameOf = (file: string): Promise<Frame> => cameraFrame(file);
const people = await Promise.all(visitors.map(async (p) => ({ ...p, frames: await Promise.all(p.show.map(frameOf)) })));
const emptyFrame: Frame = { width: 640, height: 480, rgba: new Uint8Array(640 * 480 * 4).fill(128) };

// --- enroll the visitors, start the server ---------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-bench-soak-'));
const db = path.join(dir, 'presence.db');
const healthFile = path.join(dir, 'health.jsonl');
const importDir = path.join(dir, 'import');
for (const p of visitors) {
  fs.mkdirSync(path.join(importDir, p.name), { recursive: true });
  for (const f of p.enroll) fs.copyFileSync(f, path.join(importDir, p.name, path.basename(f)));
}
const env = { ...process.env, PRESENCE_DATA_DIR: dir };
const imported = spawnSync(process.execPath, [cli, 'import', importDir, '--db', db, '--consent-recorded-by', 'bench'], {
  encoding: 'utf8',
  env,
});
if (imported.status !== 0) {
  cleanUp();
  fail(`presence import failed:\n${imported.stdout}${imported.stderr}`);
}
console.log(imported.stdout.trim().split('\n').at(-1));

const linkFile = path.join(dir, 'link.txt');
const server = spawn(
  process.execPath,
  [
    cli,
    'serve',
    '--db',
    db,
    '--port',
    '0',
    '--token-file',
    linkFile,
    '--health-log',
    healthFile,
    '--health-every',
    String(sampleSeconds),
  ],
  { stdio: ['ignore', 'pipe', 'pipe'], env },
);
/**
 * The server's output until it is ready, then its first 64 KiB and how many lines it wrote: an hour's
 * worth must not grow the bench's own memory.
 */
let output = '';
let ready = false;
let afterReady = '';
let afterReadyLines = 0;
const keepOutput = (d: string) => {
  if (!ready) output += d;
  else {
    if (afterReady.length < 64 * 1024) afterReady += d;
    afterReadyLines += d.split('\n').length - 1;
  }
};
server.stdout.setEncoding('utf8').on('data', keepOutput);
server.stderr.setEncoding('utf8').on('data', keepOutput);
const serverExit = new Promise<string>((resolve) =>
  server.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
);

function cleanUp(): void {
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
/** SIGTERM, as a service manager stops the station; a server that does not exit in 30 s is killed. */
async function stopServer(): Promise<string> {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  const killer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  const how = await serverExit;
  clearTimeout(killer);
  return how;
}
async function die(message: string): Promise<never> {
  await stopServer();
  cleanUp();
  console.error(`bench:soak: ${message}`);
  process.exit(1);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const readyDeadline = Date.now() + 180_000;
while (!output.includes('Face engine ready')) {
  if (server.exitCode !== null || Date.now() > readyDeadline || output.includes('did not start'))
    await die(`presence serve did not get ready:\n${output}`);
  await sleep(100);
}
ready = true;
const engineLine = output.match(/Face engine ready \(([^)]*)\)/)?.[1] ?? '?';
console.log(`server: pid ${server.pid}, engine ${engineLine}`);
const link = new URL(fs.readFileSync(linkFile, 'utf8').trim());
const token = new URLSearchParams(link.hash.slice(1)).get('token') ?? '';

// --- the API, over the app's own wire codec --------------------------------------------------------------
/** An answer, or the error the server gave; BENCH_* codes are the bench's own (no answer at all). */
type CallResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** One WebSocket connection to the API: one browser tab, so one admin session. */
class Connection {
  private nextId = 1;
  private readonly pending = new Map<number, (r: CallResult<unknown>) => void>();
  closed: string | null = null;
  /** Settles when the server closes the connection (it stopped, or crashed). */
  readonly whenClosed: Promise<void>;
  private onClosed = () => {};

  private constructor(private readonly ws: WebSocket) {
    this.whenClosed = new Promise((resolve) => (this.onClosed = resolve));
    ws.on('message', (data: WebSocket.RawData) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const msg = decodeMessage(bytes) as WireResponse;
      const answer = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      answer?.(msg.result as CallResult<unknown>);
    });
    // A socket error is followed by 'close', which ends the calls; without a listener it would throw.
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      this.closed = `the connection closed (${code} ${reason.toString()})`;
      for (const answer of this.pending.values())
        answer({ ok: false, error: { code: 'BENCH_DISCONNECTED', message: this.closed } });
      this.pending.clear();
      this.onClosed();
    });
  }

  static async open(): Promise<Connection> {
    const ws = new WebSocket(`ws://${link.host}/api`, [WIRE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`], {
      origin: link.origin,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Connection(ws);
  }

  call<C extends ChannelName>(channel: C, input: InputOf<C>): Promise<CallResult<OutputOf<C>>> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'BENCH_DISCONNECTED', message: this.closed } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: { code: 'BENCH_TIMEOUT', message: `${channel}: no answer in ${CALL_TIMEOUT_MS / 1000} s` },
        });
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r as CallResult<OutputOf<C>>);
      });
      this.ws.send(encodeMessage({ id, channel, input }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

// --- findings --------------------------------------------------------------------------------------------
const errors: Record<string, number> = {};
const firstErrors = new Map<string, string>();
function noteError(channel: string, error: { code: string; message: string }): void {
  errors[error.code] = (errors[error.code] ?? 0) + 1;
  const key = `${channel} ${error.code}`;
  if (!firstErrors.has(key)) {
    firstErrors.set(key, error.message);
    console.log(`  finding at ${elapsedMin().toFixed(1)} min: ${channel} failed: ${error.code}: ${error.message}`);
  }
}

const opened = await Promise.all([Connection.open(), Connection.open()]).catch(async (e: unknown) =>
  die(`could not connect to presence serve: ${e instanceof Error ? e.message : String(e)}`),
);
const [kiosk, admin] = opened;
// First use: whoever sets the PIN is unlocked; this is the admin's connection, the kiosk's stays locked.
const pinSet = await admin.call('admin.setPin', { newPin: PIN });
if (!pinSet.ok) await die(`admin.setPin failed: ${pinSet.error.code}: ${pinSet.error.message}`);

const startMs = Date.now();
const deadline = startMs + minutes * 60_000;
const elapsedMin = () => (Date.now() - startMs) / 60_000;

// --- the kiosk screen -------------------------------------------------------------------------------------
const periodMs = 1000 / fps;
const counts = { frames: 0, visits: 0, greetings: 0, recorded: 0, missedVisits: 0 };
const wrongPerson: string[] = [];
/** Per answered frame: when (ms since the epoch), round trip and the engine's own time. */
const frameLog: Array<{ at: number; rtMs: number; engineMs: number }> = [];

async function sendFrame(frame: Frame): Promise<KioskFrameResult | null> {
  const sentAt = Date.now();
  const t0 = performance.now();
  const r = await kiosk.call('kiosk.frame', { frame, station: STATION });
  const rtMs = performance.now() - t0;
  counts.frames++;
  if (r.ok) frameLog.push({ at: Date.now(), rtMs, engineMs: r.value.ms });
  else noteError('kiosk.frame', r.error);
  // At most `fps` frames a second; an answer later than the period sends the next one at once.
  await sleep(sentAt + periodMs - Date.now());
  return r.ok ? r.value : null;
}

async function kioskScreen(): Promise<void> {
  for (let v = 0; Date.now() < deadline && !kiosk.closed; v++) {
    const person = people[v % people.length]!;
    const reset = await kiosk.call('kiosk.reset', { station: STATION });
    if (!reset.ok) noteError('kiosk.reset', reset.error);
    counts.visits++;
    let greeted = false;
    for (let i = 0; i < MAX_FRAMES_PER_VISIT && Date.now() < deadline && !greeted; i++) {
      const r = await sendFrame(person.frames[i % person.frames.length]!);
      if (r?.state === 'recognised' && r.greeting) {
        greeted = true;
        counts.greetings++;
        if (r.greeting.recorded) counts.recorded++;
        if (r.greeting.name !== person.name) wrongPerson.push(`${person.name} greeted as ${r.greeting.name}`);
      }
    }
    // A visit cut short by the end of the run is not a miss.
    if (!greeted && Date.now() < deadline) counts.missedVisits++;
    for (let i = 0; i < EMPTY_FRAMES && Date.now() < deadline; i++) await sendFrame(emptyFrame);
  }
}

// --- the administrator ------------------------------------------------------------------------------------
const adminOps = { enrollments: 0, deletions: 0, exports: 0, failed: 0 };
const photoRejections: Record<string, number> = {};
const enrollMs: number[] = [];
const exportMs: number[] = [];
const exportBytes: number[] = [];
/** Today as the server's attendance days are named (same computer, same time zone). */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

async function unlocked(): Promise<boolean> {
  const r = await admin.call('admin.unlock', { pin: PIN });
  if (!r.ok) noteError('admin.unlock', r.error);
  return r.ok;
}

async function enrollAndDelete(n: number): Promise<void> {
  if (!(await unlocked())) {
    adminOps.failed++;
    return;
  }
  const t0 = performance.now();
  const r = await admin.call('enroll.importPhotos', {
    newPerson: { name: `Soak Visitor ${n}` },
    photos: enrollPhotos.map((f) => ({ name: path.basename(f), bytes: new Uint8Array(fs.readFileSync(f)) })),
    // A fresh database's consent text is version 1 (migration 007).
    consent: { given: true, by: 'bench', textVersion: 1 },
  });
  if (!r.ok) {
    adminOps.failed++;
    noteError('enroll.importPhotos', r.error);
    return;
  }
  // A photo turned down (too blurred, no face) is the enrollment's answer, not a failed call: counted apart.
  for (const x of r.value.results)
    if (!x.ok) photoRejections[x.error?.code ?? '?'] = (photoRejections[x.error?.code ?? '?'] ?? 0) + 1;
  const person = r.value.person;
  if (!person) {
    adminOps.failed++;
    noteError('enroll.importPhotos', {
      code: 'BENCH_NOT_ENROLLED',
      message: `no photo of ${enrolleeName} was enrolled: ${r.value.results.map((x) => x.error?.code).join(', ')}`,
    });
    return;
  }
  enrollMs.push(performance.now() - t0);
  adminOps.enrollments++;
  const d = await admin.call('people.erase', { id: person.id, confirmName: person.name });
  if (!d.ok) {
    adminOps.failed++;
    noteError('people.erase', d.error);
    return;
  }
  adminOps.deletions++;
}

async function exportToday(): Promise<void> {
  if (!(await unlocked())) {
    adminOps.failed++;
    return;
  }
  const t0 = performance.now();
  const r = await admin.call('attendance.export', { from: today(), to: today(), format: 'csv' });
  if (!r.ok) {
    adminOps.failed++;
    noteError('attendance.export', r.error);
    return;
  }
  exportMs.push(performance.now() - t0);
  exportBytes.push(r.value.bytes.length);
  adminOps.exports++;
}

async function administrator(): Promise<void> {
  let nextEnroll = startMs + enrollEveryMs / 2;
  let nextExport = startMs + exportEveryMs / 2;
  for (let n = 1; !admin.closed;) {
    const next = Math.min(nextEnroll, nextExport);
    if (next >= deadline) return;
    // A server gone meanwhile ends the wait (and the loop), rather than the next operation finding out.
    await Promise.race([sleep(next - Date.now()), admin.whenClosed]);
    if (admin.closed) return;
    if (next === nextEnroll) {
      await enrollAndDelete(n++);
      nextEnroll += enrollEveryMs;
    } else {
      await exportToday();
      nextExport += exportEveryMs;
    }
  }
}

// --- watching: the server's RSS from outside (a cross-check of its own figure), and progress ----------------
const vmRss: Array<{ at: number; rssMiB: number }> = [];
function readVmRssMiB(): number | null {
  try {
    const kB = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1];
    return kB === undefined ? null : Math.round((Number(kB) / 1024) * 10) / 10;
  } catch {
    return null; // not Linux, or the server is gone
  }
}
function readHealth(): HealthSample[] {
  if (!fs.existsSync(healthFile)) return [];
  return fs
    .readFileSync(healthFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HealthSample);
}
const watcher = setInterval(() => {
  const rssMiB = readVmRssMiB();
  if (rssMiB !== null) vmRss.push({ at: Date.now(), rssMiB });
  const last = readHealth().at(-1);
  const fpsNow = counts.frames / ((Date.now() - startMs) / 1000);
  console.log(
    `  ${elapsedMin().toFixed(1)}/${minutes} min: ${counts.frames} frames (${fpsNow.toFixed(2)} fps), ${counts.greetings} greetings, ` +
      `${adminOps.enrollments} enrollments, ${adminOps.exports} exports, ${Object.values(errors).reduce((a, b) => a + b, 0)} errors` +
      (last
        ? `; server rss ${last.rssMiB} MiB, heap ${last.heapUsedMiB} MiB, tensors ${last.tensors}, handles ${last.handles}`
        : ''),
  );
}, sampleSeconds * 1000);

await Promise.all([kioskScreen(), administrator()]);
const loadMs = Date.now() - startMs;
clearInterval(watcher);
kiosk.close();
admin.close();
const diedEarly = server.exitCode !== null || server.signalCode !== null;
const exitedHow = `${await stopServer()}${diedEarly ? ', before the end of the run' : ', on SIGTERM'}`;
const serverLines = afterReady.split('\n').filter((l) => l.trim());
const samples = readHealth();
cleanUp();

// --- figures ---------------------------------------------------------------------------------------------
const pct = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((s.length - 1) * p + 0.5))]! * 10) / 10;
};
/** Least-squares slope of y over x; null with fewer than 2 points. */
function slope(points: Array<[x: number, y: number]>): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? null : sxy / sxx;
}
const round = (v: number | null, digits = 3): number | null => (v === null ? null : +v.toFixed(digits));

/** Each sample with the kiosk frames answered since the previous one. */
const rows = samples.map((s, i) => {
  const at = Date.parse(s.at);
  const from = i === 0 ? -Infinity : Date.parse(samples[i - 1]!.at);
  const frames = frameLog.filter((f) => f.at > from && f.at <= at);
  return {
    s,
    at,
    frames: frames.length,
    frameP50Ms: pct(
      frames.map((f) => f.rtMs),
      0.5,
    ),
  };
});
const firstAt = rows[0]?.at ?? startMs;

console.log('');
console.log(
  'server health, one line per sample (min: since the first sample; heap: main thread, engine: its worker; loop: event-loop delay; rt: kiosk round trip p50 since the previous sample)',
);
const cell = (v: unknown) => String(v).padStart(11);
console.log(
  [
    'min',
    'rss MiB',
    'heap MiB',
    'engine MiB',
    'ext MiB',
    'tensors',
    'handles',
    'loop p99',
    'loop max',
    'db KiB',
    'wal KiB',
    'frames',
    'rt ms',
  ]
    .map(cell)
    .join(''),
);
for (const r of rows)
  console.log(
    [
      ((r.at - firstAt) / 60_000).toFixed(1),
      r.s.rssMiB,
      r.s.heapUsedMiB,
      r.s.engineHeapUsedMiB ?? '-',
      r.s.externalMiB,
      r.s.tensors ?? '-',
      r.s.handles,
      r.s.eventLoopDelayMs.p99,
      r.s.eventLoopDelayMs.max,
      (r.s.dbBytes / 1024).toFixed(0),
      (r.s.walBytes / 1024).toFixed(0),
      r.frames,
      r.frameP50Ms ?? '-',
    ]
      .map(cell)
      .join(''),
  );

// The first sample is left out of every slope: it covers the start (models loading, first frames
// compiling kernels, caches filling), which is growth a station pays once, not a leak.
const steady = rows.slice(1);
type Metric = {
  first: number | null;
  last: number | null;
  max: number | null;
  slopePerMin: number | null;
  slopePerHour: number | null;
};
/** First, last and highest value, and the least-squares slope from the second sample on. */
function metric(points: Array<{ at: number; value: number | null }>, digits = 3): Metric {
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const steadyFrom = steady[0]?.at ?? Infinity;
  const fit = slope(
    points
      .filter((p) => p.at >= steadyFrom && p.value !== null)
      .map((p) => [(p.at - firstAt) / 60_000, p.value!] as [number, number]),
  );
  return {
    first: values[0] ?? null,
    last: values.at(-1) ?? null,
    max: values.length ? Math.max(...values) : null,
    slopePerMin: round(fit, digits),
    slopePerHour: round(fit === null ? null : fit * 60, digits),
  };
}
const sampled = (f: (s: HealthSample) => number | null, digits?: number): Metric =>
  metric(
    rows.map((r) => ({ at: r.at, value: f(r.s) })),
    digits,
  );
const metrics = {
  rssMiB: sampled((s) => s.rssMiB),
  heapUsedMiB: sampled((s) => s.heapUsedMiB),
  engineHeapUsedMiB: sampled((s) => s.engineHeapUsedMiB),
  externalMiB: sampled((s) => s.externalMiB),
  tensors: sampled((s) => s.tensors),
  handles: sampled((s) => s.handles),
  eventLoopDelayP99Ms: sampled((s) => s.eventLoopDelayMs.p99),
  dbBytes: sampled((s) => s.dbBytes, 0),
  walBytes: sampled((s) => s.walBytes, 0),
  frameP50Ms: metric(rows.map((r) => ({ at: r.at, value: r.frameP50Ms }))),
  // Read from /proc by this bench: should tell the same story as rssMiB.
  outsideRssMiB: metric(vmRss.map((v) => ({ at: v.at, value: v.rssMiB }))),
};
const roundTrips = frameLog.map((f) => f.rtMs);
const engineTimes = frameLog.map((f) => f.engineMs);

const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
const cleanExit = exitedHow === 'code 0, on SIGTERM';
console.log('');
console.log(
  `kiosk: ${counts.frames} frames in ${(loadMs / 60_000).toFixed(1)} min (${(counts.frames / (loadMs / 1000)).toFixed(2)} fps of ${fps}), ` +
    `${counts.visits} visits, ${counts.greetings} greetings (${counts.recorded} recorded, the rest inside the cooldown), ${counts.missedVisits} visits not greeted within ${MAX_FRAMES_PER_VISIT} frames, ` +
    `round trip p50 ${pct(roundTrips, 0.5)} ms / p99 ${pct(roundTrips, 0.99)} ms, engine p50 ${pct(engineTimes, 0.5)} ms`,
);
console.log(
  `admin: ${adminOps.enrollments} enrollments (p50 ${pct(enrollMs, 0.5)} ms) and ${adminOps.deletions} deletions, ${adminOps.exports} exports (p50 ${pct(exportMs, 0.5)} ms, last ${exportBytes.at(-1) ?? 0} bytes), ${adminOps.failed} failed`,
);
for (const [name, m] of Object.entries(metrics))
  console.log(`  ${name}: first ${m.first}, last ${m.last}, max ${m.max}, slope ${m.slopePerHour} per hour`);
if (wrongPerson.length) console.log(`WRONG PERSON: ${[...new Set(wrongPerson)].join('; ')}`);
for (const [key, message] of firstErrors) console.log(`ERROR ${key}: ${message}`);
if (serverLines.length) {
  console.log(`server output after start (${afterReadyLines} lines; first 10):`);
  for (const l of serverLines.slice(0, 10)) console.log(`  ${l}`);
}
console.log(`server exit: ${exitedHow}${cleanExit ? '' : ' (NOT a clean stop)'}`);
if (steady.length < 2)
  console.log(`note: ${rows.length} samples; slopes need 2 after the first: run longer or lower --sample-seconds`);

console.log(
  JSON.stringify({
    bench: 'soak',
    minutes: round(loadMs / 60_000, 2),
    engine: engineLine,
    people: people.length,
    fpsTarget: fps,
    frames: counts.frames,
    fps: round(counts.frames / (loadMs / 1000), 2),
    visits: counts.visits,
    greetings: counts.greetings,
    greetingsRecorded: counts.recorded,
    missedVisits: counts.missedVisits,
    wrongPerson: wrongPerson.length,
    frameP50Ms: pct(roundTrips, 0.5),
    frameP99Ms: pct(roundTrips, 0.99),
    engineFrameP50Ms: pct(engineTimes, 0.5),
    adminOps: { ...adminOps, photoRejections, enrollP50Ms: pct(enrollMs, 0.5), exportP50Ms: pct(exportMs, 0.5) },
    errors,
    serverExit: exitedHow,
    serverOutputLines: afterReadyLines,
    samples: rows.length,
    sampleSeconds,
    slopesFrom: 'sample 2: the first covers the start-up',
    metrics,
    machine: { ...machine, loadAtEnd: loadNow() },
  }),
);
process.exit(errorCount > 0 || !cleanExit ? 1 : 0);
