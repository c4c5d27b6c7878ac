// FaceEngine over a worker thread: typed messages, transferred buffers, and a fresh worker when the
// old one dies (calls in flight are rejected with ENGINE_FAILED; the caller may retry).
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { AppError } from '../../shared/errors';
import type { AnalyzeResult, EngineBackend, EngineStatus } from '../../shared/face';
import { inputTransfers, type WorkerReply, type WorkerRequest } from './protocol';
import { resolveWorkerPath } from './paths';
import { defaultEncoderConfig, encoderConfigOf } from './encoder-choice';
import { readTrainedModel } from './trained-head';
import {
  stoppedStatus,
  type AnalyzeInput,
  type AnalyzeOptions,
  type EngineStartOptions,
  type EvalEmbedding,
  type EvaluationEngine,
} from './types';

export interface WorkerEngineOptions {
  workerPath?: string;
  modelsDir?: string;
  backend?: EngineBackend;
  /** The default encoder id (else PRESENCE_ENCODER, else the shipped one). */
  encoder?: string;
  /** Told of each worker started (a restart too): for a host that watches them, or a test that kills one. */
  onSpawn?: (worker: Worker) => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
/** A worker that keeps dying (e.g. a broken model) is not restarted forever. */
const MAX_RESTARTS_PER_MINUTE = 5;

type Distributive<T> = T extends unknown ? Omit<T, 'id'> : never;

export class WorkerEngine implements EvaluationEngine {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private wanted = false;
  private recentRestarts: number[] = [];
  private st: EngineStatus = stoppedStatus();
  readonly defaultEncoderId: string;
  /** The encoder asked for last: a worker restarted after a crash runs it again. */
  private encoderId: string;
  /** The trained model folder asked for last (its id is encoderId), if any. */
  private modelDir: string | undefined;

  constructor(private readonly opts: WorkerEngineOptions = {}) {
    this.defaultEncoderId = defaultEncoderConfig(opts.encoder).id;
    this.encoderId = this.defaultEncoderId;
  }

  status(): EngineStatus {
    return { ...this.st, queueDepth: this.pending.size };
  }

  private spawn(): Worker {
    const file = this.opts.workerPath ?? resolveWorkerPath();
    if (!existsSync(file))
      throw new AppError(
        'ENGINE_UNAVAILABLE',
        `The engine worker ${file} is missing: run "npm run build" or reinstall Presence.`,
      );
    const w = new Worker(file);
    w.on('message', (msg: WorkerReply) => this.onMessage(msg));
    w.on('error', (err) => this.onDeath(w, err));
    w.on('exit', (code) => this.onDeath(w, new Error(`engine worker exited with code ${code}`)));
    // The worker should not keep the process alive when nothing is waiting on it.
    w.unref();
    this.worker = w;
    this.opts.onSpawn?.(w);
    return w;
  }

  private onMessage(msg: WorkerReply): void {
    if (msg.type === 'status') {
      this.st = { ...msg.status, restarts: this.st.restarts };
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (!this.pending.size) this.worker?.unref();
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new AppError(msg.error.code, msg.error.message, msg.error.details));
  }

  private onDeath(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = null;
    // The tensors and heap were the dead worker's: a new one reports its own once it answers.
    this.st = { ...this.st, tensors: null, heapUsedBytes: null };
    const inflight = [...this.pending.values()];
    this.pending.clear();
    for (const p of inflight)
      p.reject(
        new AppError(
          'ENGINE_FAILED',
          `The face engine stopped unexpectedly (${err.message}); it is being restarted: try again.`,
        ),
      );
    if (!this.wanted) return;
    const now = Date.now();
    this.recentRestarts = this.recentRestarts.filter((t) => now - t < 60_000);
    if (this.recentRestarts.length >= MAX_RESTARTS_PER_MINUTE) {
      this.st = {
        ...this.st,
        state: 'failed',
        error: { code: 'ENGINE_FAILED', message: `The face engine keeps stopping (${err.message}): restart Presence.` },
      };
      return;
    }
    this.recentRestarts.push(now);
    this.st = { ...this.st, state: 'starting', restarts: this.st.restarts + 1 };
    this.startWorker().catch(() => undefined);
  }

  private call<T>(req: Distributive<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.worker;
    if (!w)
      return Promise.reject(new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ ...req, id }, transfer);
    });
  }

  private async startWorker(): Promise<EngineStatus> {
    this.spawn();
    const status = await this.call<EngineStatus>({
      type: 'start',
      modelsDir: this.opts.modelsDir,
      backend: this.opts.backend,
      encoderId: this.encoderId,
      modelDir: this.modelDir,
    });
    this.st = { ...status, restarts: this.st.restarts };
    return this.status();
  }

  async start(options: EngineStartOptions = {}): Promise<EngineStatus> {
    if (options.modelDir !== undefined) {
      // Read here too, so a wrong folder is refused before a worker is disturbed.
      const id = readTrainedModel(options.modelDir).manifest.id;
      if (options.encoderId !== undefined && options.encoderId !== id)
        throw new AppError(
          'INVALID_INPUT',
          `The model in ${options.modelDir} is ${id}, not the encoder ${options.encoderId} that was asked for.`,
        );
      this.modelDir = options.modelDir;
      this.encoderId = id;
    } else if (options.encoderId !== undefined && !(this.modelDir && options.encoderId === this.encoderId)) {
      this.encoderId = encoderConfigOf(options.encoderId).id;
      this.modelDir = undefined;
    }
    this.wanted = true;
    if (this.worker && this.st.state === 'ready') {
      if (this.st.encoderId === this.encoderId) return this.status();
      const status = await this.call<EngineStatus>({
        type: 'start',
        encoderId: this.encoderId,
        modelDir: this.modelDir,
      });
      this.st = { ...status, restarts: this.st.restarts };
      return this.status();
    }
    if (this.worker) await this.stopWorker();
    this.st = { ...this.st, state: 'starting', error: null };
    try {
      return await this.startWorker();
    } catch (e) {
      const err = e instanceof AppError ? e : new AppError('ENGINE_FAILED', String(e));
      this.st = { ...this.st, state: 'failed', error: { code: err.code, message: err.message } };
      this.wanted = false;
      await this.stopWorker();
      throw err;
    }
  }

  /** Input buffers are transferred to the worker: the caller must not use them afterwards. */
  analyze(input: AnalyzeInput, options?: AnalyzeOptions): Promise<AnalyzeResult> {
    return this.call<AnalyzeResult>({ type: 'analyze', input, options }, inputTransfers(input));
  }

  /** The chips are copied, not transferred: the caller stores them again with the new embeddings. */
  embedChips(chips: readonly Uint8Array[]): Promise<Float32Array[]> {
    return this.call<Float32Array[]>({ type: 'embedChips', chips: [...chips] });
  }

  embedForEvaluation(input: AnalyzeInput): Promise<EvalEmbedding> {
    return this.call<EvalEmbedding>({ type: 'embedForEvaluation', input }, inputTransfers(input));
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    try {
      await Promise.race([this.call({ type: 'stop' }), new Promise((r) => setTimeout(r, 2000).unref())]);
    } catch {
      // a dying worker is being stopped anyway
    }
    this.worker = null;
    await w.terminate();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.stopWorker();
    this.st = { ...this.st, state: 'stopped', queueDepth: 0, tensors: null, heapUsedBytes: null };
  }
}
