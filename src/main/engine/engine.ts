// The in-process engine: owns backend + model lifecycle and serialises calls (TF.js runs one graph at a time).
import { getHeapStatistics } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import { AppError, isAppError } from '../../shared/errors';
import type { AnalyzeResult, EngineBackend, EngineModelInfo, EngineStatus, Point } from '../../shared/face';
import { initBackend } from './backend';
import * as detector from './detector';
import * as landmarks from './landmarks';
import * as liveness from './liveness';
import * as encoder from './encoder';
import { decodeFile, decodeImage, fromRgba, type RgbImage } from './image';
import { modelFile, readDistanceTable } from './models';
import { resolveModelsDir } from './paths';
import { analyzeImage, locateFaces, DEFAULT_OPTIONS } from './pipeline';
import { embeddingSize, embedFaces, fineTunable, trunkFeatures } from './embed';
import type { EncoderConfig } from './encoder-configs';
import type { MobileFaceNetTail } from './mobilefacenet-tail';
import { centredFace, centredFaceLandmarks, EVAL_MAX_FACES } from './eval-photo';
import { FaceTracker } from './tracker';
import { cutChip, decodeChip } from './chip';
import { defaultEncoderConfig, encoderConfigOf } from './encoder-choice';
import { readTrainedModel, trainedEncoderConfig } from './trained-head';
import {
  stoppedStatus,
  type AnalyzeInput,
  type AnalyzeOptions,
  type EngineStartOptions,
  type EvalEmbedding,
  type TrainingEngine,
} from './types';

export interface InProcessOptions {
  modelsDir?: string;
  backend?: EngineBackend;
  encoder?: EncoderConfig;
}

/** Evaluation-only result: one embedding per photo, from its centred face or the centred-face fallback. */
export class InProcessEngine implements TrainingEngine {
  private st: EngineStatus = stoppedStatus();
  private starting: Promise<EngineStatus> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly tracker = new FaceTracker();
  private config: EncoderConfig;
  readonly defaultEncoderId: string;
  /** The models folder of the last start, for loading another encoder into a running engine. */
  private modelsDir: string | null = null;

  constructor(private readonly opts: InProcessOptions = {}) {
    this.config = defaultEncoderConfig(opts.encoder);
    this.defaultEncoderId = this.config.id;
  }

  /** The embedding space the engine runs now. */
  get encoderConfig(): EncoderConfig {
    return this.config;
  }

  status(): EngineStatus {
    return {
      ...this.st,
      models: [...this.st.models],
      // Read at each call rather than kept: they are what a soak run or an operator watches for growth.
      // tf.memory() would initialise a backend as a side effect, so it is asked only once one is up.
      tensors: this.st.backend === null ? null : tf.memory().numTensors,
      // This isolate's heap: the worker's own when the engine runs in one.
      heapUsedBytes: getHeapStatistics().used_heap_size,
    };
  }

  start(options: EngineStartOptions = {}): Promise<EngineStatus> {
    let wanted: EncoderConfig;
    try {
      wanted = this.configFor(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.starting) return this.starting.then(() => this.start(options));
    if (this.st.state === 'ready')
      return wanted.id === this.config.id ? Promise.resolve(this.status()) : this.enqueue(() => this.switchTo(wanted));
    this.config = wanted;
    this.starting = this.doStart().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** The embedding space a start asks for: a trained model's folder, an encoder id, or the one running. */
  private configFor(options: EngineStartOptions): EncoderConfig {
    if (options.modelDir !== undefined) {
      const cfg = trainedEncoderConfig(readTrainedModel(options.modelDir));
      if (options.encoderId !== undefined && options.encoderId !== cfg.id)
        throw new AppError(
          'INVALID_INPUT',
          `The model in ${options.modelDir} is ${cfg.id}, not the encoder ${options.encoderId} that was asked for.`,
        );
      return cfg;
    }
    if (options.encoderId === undefined || options.encoderId === this.config.id) return this.config;
    return encoderConfigOf(options.encoderId);
  }

  /** Loads another encoder into the running engine (the detector and landmarks stay as they are). */
  private async switchTo(cfg: EncoderConfig): Promise<EngineStatus> {
    const dir = this.modelsDir!;
    const models = this.st.models.filter((m) => m.role !== 'encoder');
    for (const p of cfg.parts) {
      const s = performance.now();
      await encoder.load(dir, p.encoder);
      const loadMs = Math.round(performance.now() - s);
      models.push({ id: p.encoder, role: 'encoder', file: modelFile(dir, p.encoder), loadMs });
    }
    applyTrained(cfg);
    this.config = cfg;
    embedFaces(warmUpImage(), [{ five: centredFaceLandmarks(128, 128) }], cfg);
    this.st = {
      ...this.st,
      encoderId: cfg.id,
      embeddingSize: embeddingSize(cfg),
      defaultThreshold: cfg.defaultThreshold,
      distances: distancesOf(dir, cfg),
      models,
    };
    return this.status();
  }

  private async doStart(): Promise<EngineStatus> {
    const t0 = performance.now();
    this.st = { ...this.st, state: 'starting', error: null };
    try {
      const dir = resolveModelsDir(this.opts.modelsDir);
      if (!dir)
        throw new AppError(
          'MODEL_MISSING',
          'The models folder was not found: reinstall Presence, or set PRESENCE_MODELS_DIR.',
        );
      this.modelsDir = dir;
      const backend = await initBackend(this.opts.backend);
      const models: EngineModelInfo[] = [];
      const timed = async (id: string, role: EngineModelInfo['role'], f: () => unknown) => {
        const s = performance.now();
        await f();
        models.push({ id, role, file: modelFile(dir, id), loadMs: Math.round(performance.now() - s) });
      };
      await timed(detector.DETECTOR_ID, 'detector', () => detector.load(dir));
      await timed(detector.SMALL_FACE_DETECTOR_ID, 'detector', () =>
        detector.load(dir, detector.SMALL_FACE_DETECTOR_ID),
      );
      await timed(landmarks.LANDMARKS_ID, 'landmarks', () => landmarks.load(dir));
      await timed(liveness.LIVENESS_ID, 'liveness', () => liveness.load(dir));
      for (const p of this.config.parts) await timed(p.encoder, 'encoder', () => encoder.load(dir, p.encoder));
      applyTrained(this.config);
      await this.warmUp();
      this.st = {
        ...this.st,
        state: 'ready',
        backend,
        encoderId: this.config.id,
        embeddingSize: embeddingSize(this.config),
        defaultThreshold: this.config.defaultThreshold,
        distances: distancesOf(dir, this.config),
        models,
        loadMs: Math.round(performance.now() - t0),
        error: null,
      };
    } catch (e) {
      const err = isAppError(e)
        ? e
        : new AppError(
            'ENGINE_FAILED',
            `The face engine could not start: ${e instanceof Error ? e.message : String(e)}`,
          );
      this.st = { ...this.st, state: 'failed', error: { code: err.code, message: err.message } };
      throw err;
    }
    return this.status();
  }

  /**
   * First inference compiles kernels and allocates: do it now for the stages every frame with a face runs.
   * The small-face detector is left cold (it runs only when the first one finds nothing): start time matters more.
   */
  private async warmUp(): Promise<void> {
    const img = warmUpImage();
    const five = centredFaceLandmarks(128, 128);
    await detector.predict(img);
    await landmarks.predict(img, {
      box: { x: 32, y: 32, width: 64, height: 64 },
      score: 1,
      keypoints: five.concat([five[0], five[1]]),
    });
    liveness.predict(new Float32Array(liveness.LIVENESS_SIZE ** 2 * 3), 1);
    embedFaces(img, [{ five }], this.config);
  }

  private ready(): void {
    if (this.st.state !== 'ready')
      throw new AppError(
        'ENGINE_UNAVAILABLE',
        'The face engine is not running: start it first (or check engine status for the error).',
      );
  }

  /** Runs f after every earlier call finished; queueDepth counts calls waiting or running. */
  private enqueue<T>(f: () => Promise<T>): Promise<T> {
    this.st.queueDepth++;
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run.finally(() => {
      this.st.queueDepth--;
    });
  }

  private async decode(input: AnalyzeInput): Promise<RgbImage> {
    if (input.kind === 'rgba') return fromRgba(input.frame);
    if (input.kind === 'bytes') return decodeImage(input.bytes, input.name);
    return decodeFile(input.path);
  }

  analyze(input: AnalyzeInput, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    return this.enqueue(async () => {
      this.ready();
      // Before anything can fail: the caller has given up its fresh start with this call.
      if (options.track !== undefined && options.trackFresh) this.tracker.forget(options.track);
      const t0 = performance.now();
      const img = await this.decode(input);
      const decodeMs = performance.now() - t0;
      try {
        const tracking =
          options.track !== undefined && input.kind === 'rgba'
            ? { tracker: this.tracker, stream: options.track }
            : undefined;
        return await analyzeImage(img, this.config, stripUndefined(options), decodeMs, tracking);
      } catch (e) {
        if (isAppError(e)) throw e;
        throw new AppError(
          'ENGINE_FAILED',
          `The face engine failed on this image: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    });
  }

  /**
   * Embeds stored face chips: each encoder part is cut from the chip by the landmarks stored with it,
   * as embedFaces cuts it from a photo, so the embedding is that of the enrolled face.
   */
  embedChips(chips: readonly Uint8Array[]): Promise<Float32Array[]> {
    return this.enqueue(async () => {
      this.ready();
      const out: Float32Array[] = [];
      for (const bytes of chips) {
        const { img, face } = await openChip(bytes);
        out.push(embedFaces(img, [face], this.config)[0]!);
      }
      return out;
    });
  }

  /**
   * The frozen MobileFaceNet trunk's output for face chips (embed.ts trunkFeatures), cut from each chip as
   * embedChips cuts it: the input of `presence train --mode finetune`.
   */
  encoderFeatures(chips: readonly Uint8Array[]): Promise<Float32Array[]> {
    return this.enqueue(async () => {
      this.ready();
      this.requireFineTunable();
      const out: Float32Array[] = [];
      for (const bytes of chips) {
        const { img, face } = await openChip(bytes);
        out.push(trunkFeatures(img, [face], this.config)[0]!);
      }
      return out;
    });
  }

  baseTail(): Promise<MobileFaceNetTail> {
    return this.enqueue(async () => {
      this.ready();
      this.requireFineTunable();
      return encoder.shippedMobileFaceNetTail();
    });
  }

  private requireFineTunable(): void {
    if (!fineTunable(this.config))
      throw new AppError(
        'INVALID_INPUT',
        `The encoder ${this.config.id} has no MobileFaceNet last stage to fine-tune: train with --mode head, or run the shipped MobileFaceNet.`,
      );
  }

  /** The face chip of the face embedForEvaluation would take (nearest the centre, else the centred crop). */
  evaluationChip(input: AnalyzeInput): Promise<{ chip: Uint8Array; found: boolean }> {
    return this.enqueue(async () => {
      this.ready();
      const img = await this.decode(input);
      const faces = await locateFaces(img, { ...DEFAULT_OPTIONS, maxFaces: EVAL_MAX_FACES }, { totalMs: 0 });
      const subject = centredFace(faces, img.width, img.height);
      const points = subject ?? { five: centredFaceLandmarks(img.width, img.height) };
      return { chip: await cutChip(img, points), found: subject !== undefined };
    });
  }

  /**
   * For the evaluation runners: the embedding of the face nearest the photo's centre (LFW photos are
   * centred on their subject, and another person's face may be larger), or, when no face is found, of the
   * centred-face crop, flagged found=false (eval-photo.ts).
   */
  embedForEvaluation(input: AnalyzeInput): Promise<EvalEmbedding> {
    return this.enqueue(async () => {
      this.ready();
      const t0 = performance.now();
      const img = await this.decode(input);
      const faces = await locateFaces(img, { ...DEFAULT_OPTIONS, maxFaces: EVAL_MAX_FACES }, { totalMs: 0 });
      const subject = centredFace(faces, img.width, img.height);
      const found = subject !== undefined;
      const points = subject ?? { five: centredFaceLandmarks(img.width, img.height) };
      const [embedding] = embedFaces(img, [points], this.config);
      return { embedding, found, ms: performance.now() - t0 };
    });
  }

  async stop(): Promise<void> {
    await this.chain;
    detector.unload();
    landmarks.unload();
    liveness.unload();
    encoder.unload();
    this.st = { ...this.st, state: 'stopped', models: [], queueDepth: 0 };
  }
}

/** A stored chip's image and its landmarks, checked to be the size it says. */
async function openChip(bytes: Uint8Array): Promise<{ img: RgbImage; face: { five: Point[]; dlib51?: Point[] } }> {
  const chip = decodeChip(bytes);
  const img = await decodeImage(chip.jpeg, 'A stored face chip');
  if (img.width !== chip.size || img.height !== chip.size)
    throw new AppError(
      'INTERNAL',
      `A stored face chip is ${img.width}x${img.height} pixels but is recorded as ${chip.size}: re-enroll this person.`,
    );
  return { img, face: { five: chip.five, dlib51: chip.dlib51 } };
}

function warmUpImage(): RgbImage {
  return { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3).fill(128) };
}

function stripUndefined(o: AnalyzeOptions): Partial<typeof DEFAULT_OPTIONS> {
  const out: Partial<typeof DEFAULT_OPTIONS> = {};
  if (o.maxFaces !== undefined) out.maxFaces = o.maxFaces;
  if (o.liveness !== undefined) out.liveness = o.liveness;
  if (o.embed !== undefined) out.embed = o.embed;
  if (o.embedFaces !== undefined) out.embedFaces = o.embedFaces;
  if (o.mirror !== undefined) out.mirror = o.mirror;
  if (o.thumbnail !== undefined) out.thumbnail = o.thumbnail;
  if (o.chip !== undefined) out.chip = o.chip;
  return out;
}

/** The engine on this thread (CLI evaluation, tests): loads TF.js and the models into this process. */
export function createInProcessEngine(opts?: {
  modelsDir?: string;
  backend?: EngineBackend;
  encoder?: EncoderConfig;
}): InProcessEngine {
  return new InProcessEngine(opts);
}

/** A trained model's own table, else the shipped one of the encoder (models/). */
function distancesOf(modelsDir: string, cfg: EncoderConfig) {
  return cfg.trained?.distances ?? readDistanceTable(modelsDir, cfg.id);
}

/**
 * Puts a trained model's tail in force (or the shipped last stage back) once the encoders are loaded. A
 * head trained on another size of embedding than its base encoder gives cannot be applied.
 */
function applyTrained(cfg: EncoderConfig): void {
  const head = cfg.trained?.head;
  if (head && head.size !== embeddingSize(cfg))
    throw new AppError(
      'MODEL_CHECKSUM',
      `The trained model in ${cfg.trained!.dir} has a ${head.size}-D head, but its base encoder gives ${embeddingSize(cfg)}-D embeddings: train it again.`,
    );
  encoder.setTrainedTail(cfg.trained?.tail ?? null);
}
