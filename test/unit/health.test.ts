// The health sampler `presence serve --health-log` writes: the fields a soak run reads, figures that
// follow what they measure, and nothing more once stopped.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  databaseBytes,
  healthLog,
  startHealthSampler,
  type HealthSample,
  type HealthSampler,
} from '../../src/main/health';

let dir: string;
let sampler: HealthSampler | null = null;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-health-test-'));
});
afterEach(() => {
  sampler?.stop();
  sampler = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const engine = { state: 'ready' as const, queueDepth: 2, tensors: 412, heapUsedBytes: 64 * 1024 * 1024 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (file: string): HealthSample[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HealthSample);

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('health sampler', () => {
  it('appends one JSON line per interval with every field, and none after stop()', async () => {
    const db = path.join(dir, 'presence.db');
    fs.writeFileSync(db, Buffer.alloc(8192));
    const file = path.join(dir, 'health.jsonl');
    const log = healthLog(file, (e) => {
      throw e;
    });
    sampler = startHealthSampler({ everyMs: 30, databasePath: db, engineStatus: () => engine, onSample: log.write });
    await until(() => fs.readFileSync(file, 'utf8').split('\n').length > 3);
    sampler.stop();
    const count = lines(file).length;
    await sleep(150);
    expect(lines(file)).toHaveLength(count);
    log.close();

    const s = lines(file)[0]!;
    expect(Object.keys(s).sort()).toEqual(
      [
        'at',
        'uptimeS',
        'rssMiB',
        'heapUsedMiB',
        'externalMiB',
        'engineHeapUsedMiB',
        'tensors',
        'handles',
        'handleTypes',
        'eventLoopDelayMs',
        'dbBytes',
        'walBytes',
        'engineState',
        'queueDepth',
      ].sort(),
    );
    expect(Date.parse(s.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(s.rssMiB).toBeGreaterThan(s.heapUsedMiB);
    expect(s.heapUsedMiB).toBeGreaterThan(1);
    expect(s).toMatchObject({
      tensors: 412,
      engineHeapUsedMiB: 64,
      engineState: 'ready',
      queueDepth: 2,
      dbBytes: 8192,
    });
    expect(Object.values(s.handleTypes).reduce((a, b) => a + b, 0)).toBe(s.handles);
    expect(s.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(s.eventLoopDelayMs.p50);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('counts the database with its -wal and -shm files as they grow', () => {
    const db = path.join(dir, 'presence.db');
    expect(databaseBytes(db)).toEqual({ dbBytes: 0, walBytes: 0 });
    fs.writeFileSync(db, Buffer.alloc(4096));
    sampler = startHealthSampler({ everyMs: 60_000, databasePath: db, engineStatus: () => engine, onSample: () => {} });
    expect(sampler.sample()).toMatchObject({ dbBytes: 4096, walBytes: 0 });
    fs.writeFileSync(`${db}-wal`, Buffer.alloc(1000));
    fs.writeFileSync(`${db}-shm`, Buffer.alloc(32768));
    expect(sampler.sample()).toMatchObject({ dbBytes: 4096 + 1000 + 32768, walBytes: 1000 });
    fs.appendFileSync(db, Buffer.alloc(4096));
    expect(sampler.sample()).toMatchObject({ dbBytes: 8192 + 1000 + 32768, walBytes: 1000 });
  });

  it('sees a stalled event loop in the next sample only, and a new listening socket among the handles', async () => {
    sampler = startHealthSampler({
      everyMs: 60_000,
      databasePath: path.join(dir, 'none.db'),
      engineStatus: () => ({ state: 'stopped', queueDepth: 0, tensors: null, heapUsedBytes: null }),
      onSample: () => {},
    });
    await sleep(50);
    const stall = Date.now() + 150;
    while (Date.now() < stall); // the loop cannot run timers meanwhile
    await sleep(30);
    const stalled = sampler.sample();
    expect(stalled.eventLoopDelayMs.max).toBeGreaterThanOrEqual(100);
    expect(stalled).toMatchObject({ tensors: null, engineHeapUsedMiB: null, engineState: 'stopped', dbBytes: 0 });
    // Reset by the sample: the stall is not reported twice.
    expect(sampler.sample().eventLoopDelayMs.max).toBeLessThan(100);

    const before = sampler.sample();
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const after = sampler.sample();
      expect(after.handles).toBe(before.handles + 1);
      expect(after.handleTypes.TCPServerWrap ?? 0).toBe((before.handleTypes.TCPServerWrap ?? 0) + 1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
