// The server's own health, sampled at a fixed interval: memory, live tensors, open handles, event-loop
// delay and the size of the database on disk. A station left running for weeks shows a leak as a figure
// that only grows; `presence serve --health-log` writes the samples as JSON lines for an operator (or
// bench/soak.ts) to read. The sampler only samples; healthLog below is one place to send the samples.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EngineStatus } from '../shared/face';

export interface HealthSample {
  /** When the sample was taken (ISO 8601, UTC). */
  at: string;
  /** Seconds since this process started. */
  uptimeS: number;
  /** Resident memory of the whole process (every thread, native buffers, WebAssembly memory). */
  rssMiB: number;
  /** JS heap in use on the main thread. */
  heapUsedMiB: number;
  /** Memory of C++ objects bound to JS objects on the main thread (Buffers among them). */
  externalMiB: number;
  /** JS heap in use on the engine's thread, as the engine last reported it; null when unknown. */
  engineHeapUsedMiB: number | null;
  /** Live TF.js tensors in the engine, as it last reported them; null when it has no backend. */
  tensors: number | null;
  /** Resources keeping the event loop alive (sockets, timers, file requests). */
  handles: number;
  /** The same, per kind (`TCPSocketWrap`, `Timeout`, ...), for telling which kind leaks. */
  handleTypes: Record<string, number>;
  /** How late the main thread's event loop ran timers since the previous sample, in ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The database file and its -wal and -shm files, in bytes. */
  dbBytes: number;
  /**
   * The -wal file alone (part of dbBytes). It grows to about 4 MB between checkpoints and keeps that
   * size afterwards (SQLite reuses it from the start), so growth beyond it is the database's own.
   */
  walBytes: number;
  engineState: EngineStatus['state'];
  queueDepth: number;
}

export interface HealthSamplerOptions {
  everyMs: number;
  databasePath: string;
  engineStatus: () => Pick<EngineStatus, 'state' | 'queueDepth' | 'tensors' | 'heapUsedBytes'>;
  onSample: (sample: HealthSample) => void;
}

export interface HealthSampler {
  /** Takes a sample now, outside the schedule (it also resets the event-loop delay figures). */
  sample(): HealthSample;
  stop(): void;
}

const MiB = 1024 * 1024;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
/** Event-loop delay resolution: fine enough to see a 50 ms stall, coarse enough to cost nothing. */
const DELAY_RESOLUTION_MS = 10;

export function startHealthSampler(options: HealthSamplerOptions): HealthSampler {
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const sample = (): HealthSample => {
    const memory = process.memoryUsage();
    const engine = options.engineStatus();
    const resources = process.getActiveResourcesInfo();
    const handleTypes: Record<string, number> = {};
    for (const r of resources) handleTypes[r] = (handleTypes[r] ?? 0) + 1;
    // The histogram records, in ns, the time between its timer's runs, i.e. the resolution plus the delay:
    // the resolution is taken off so an idle loop reads 0. It holds no values before the timer first ran.
    const ms = (ns: number): number =>
      Number.isFinite(ns) ? Math.max(0, Math.round((ns / 1e6 - DELAY_RESOLUTION_MS) * 100) / 100) : 0;
    const eventLoopDelayMs = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
    // Each sample covers the time since the previous one, so a stall shows in the minute it happened.
    delay.reset();
    return {
      at: new Date().toISOString(),
      uptimeS: Math.round(process.uptime()),
      rssMiB: mib(memory.rss),
      heapUsedMiB: mib(memory.heapUsed),
      externalMiB: mib(memory.external),
      engineHeapUsedMiB: engine.heapUsedBytes === null ? null : mib(engine.heapUsedBytes),
      tensors: engine.tensors,
      handles: resources.length,
      handleTypes,
      eventLoopDelayMs,
      ...databaseBytes(options.databasePath),
      engineState: engine.state,
      queueDepth: engine.queueDepth,
    };
  };
  const timer = setInterval(() => options.onSample(sample()), options.everyMs);
  // Sampling is no reason to keep the process alive.
  timer.unref();
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      delay.disable();
    },
  };
}

/** SQLite in WAL mode keeps recent writes in -wal until a checkpoint: all three are the database's size. */
export function databaseBytes(databasePath: string): { dbBytes: number; walBytes: number } {
  const size = (file: string): number => {
    try {
      return fs.statSync(file).size;
    } catch {
      return 0; // not there (no WAL yet, or an in-memory database): nothing on disk
    }
  };
  const walBytes = size(`${databasePath}-wal`);
  return { dbBytes: size(databasePath) + walBytes + size(`${databasePath}-shm`), walBytes };
}

/**
 * Appends each sample as one JSON line to `file` (created 0600, as the token file is). The file is
 * opened now, so a path that cannot be written is said at start; a write that fails later (a full disk)
 * is reported through `onError` and does not stop the station.
 */
export function healthLog(
  file: string,
  onError: (e: unknown) => void,
): { write: (s: HealthSample) => void; close: () => void } {
  const fd = fs.openSync(file, 'a', 0o600);
  return {
    write: (s) => {
      try {
        fs.writeSync(fd, JSON.stringify(s) + '\n');
      } catch (e) {
        onError(e);
      }
    },
    close: () => fs.closeSync(fd),
  };
}
