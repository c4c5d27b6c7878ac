// The training loop of a trainable model (the projection head, or the MobileFaceNet's last stage):
// seeded P x K batches, online triplet mining, Adam, a checkpoint after every epoch and on a stop signal,
// and a resume that continues bit for bit. It runs on TF.js's plain 'cpu' backend: its kernels are
// deterministic (the same seed gives the same weights), and a 128 x 128 head needs no more. The backend in force before is put back afterwards, so
// an engine in the same process keeps its own.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { decodeFloats, encodeFloats, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import { registerTrainingGradients } from './gradients';
import { HeadVariables, identityHead, type HeadWeights } from './head';
import type { TrainableModel } from './model';
import { Rng } from './rng';
import { PkSampler, type PkBatch } from './sampler';
import {
  mineTriplets,
  pairwiseSquaredDistances,
  tripletLoss,
  tripletStats,
  type Miner,
  type TripletStats,
} from './triplet';

export interface TrainConfig {
  epochs: number;
  batchPeople: number;
  batchPhotos: number;
  margin: number;
  miner: Miner;
  /** Weight of the softmax cross-entropy term over the training identities; 0 leaves it out. */
  auxWeight: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 20,
  batchPeople: 16,
  batchPhotos: 4,
  margin: 0.2,
  miner: 'semi-hard',
  auxWeight: 0,
  learningRate: 1e-3,
  seed: 1,
};

export interface VerificationFigures {
  accuracy: number;
  auc: number;
  tarAtFar1e3: number;
}

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  steps: number;
  /** The optimised loss: the triplet term plus auxWeight times the softmax term, mean over steps. */
  loss: number;
  tripletLoss: number;
  /** The softmax cross-entropy (0 when auxWeight is 0). */
  auxLoss: number;
  activeShare: number;
  meanPositiveSq: number;
  meanNegativeSq: number;
  validation: VerificationFigures | null;
}

interface EpochSums {
  steps: number;
  loss: number;
  tripletLoss: number;
  auxLoss: number;
  activeShare: number;
  meanPositiveSq: number;
  meanNegativeSq: number;
}

/** One batch: its loss, active share and mean squared distances (same person, different people). */
export interface StepReport {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  activeShare: number;
  meanPositiveSq: number;
  meanNegativeSq: number;
}

/**
 * The training set: one input row per photo (the base encoder's embedding for a head, the frozen trunk's
 * output for a fine-tune) and the person (0..people-1) of each.
 */
export interface TrainSet {
  embeddings: readonly Float32Array[];
  labels: readonly number[];
}

export interface TrainOptions<W = HeadWeights> {
  config: TrainConfig;
  data: TrainSet;
  /** Where the checkpoint is written (every epoch and on stop); none: no checkpoint. */
  checkpoint?: string;
  /** Continue from the checkpoint instead of starting afresh. */
  resume?: boolean;
  /** Ends the run after the step under way, with a checkpoint. */
  signal?: AbortSignal;
  /** Figures of the model at each epoch's end (validation data); kept in the history. */
  validate?: (weights: W) => VerificationFigures | null;
  onStep?: (s: StepReport) => void;
  onEpoch?: (r: EpochReport) => void;
}

export interface TrainResult<W = HeadWeights> {
  weights: W;
  history: EpochReport[];
  /** false when the stop signal ended the run before its last epoch. */
  finished: boolean;
  epochsDone: number;
  /** Steps done in the unfinished epoch when stopped. */
  step: number;
  checkpoint: string | null;
}

type TrainCheckpoint = Checkpoint<TrainConfig, EpochReport, EpochSums>;

const zeroSums = (): EpochSums => ({
  steps: 0,
  loss: 0,
  tripletLoss: 0,
  auxLoss: 0,
  activeShare: 0,
  meanPositiveSq: 0,
  meanNegativeSq: 0,
});

/** Identifies the training set a checkpoint belongs to: its labels and the bytes of its embeddings. */
export function trainSetHash(data: TrainSet): string {
  const h = createHash('sha256');
  h.update(Int32Array.from(data.labels));
  for (const e of data.embeddings) h.update(e);
  return h.digest('hex');
}

/** Adam keeps beta^t as running products, which setWeights recomputes with pow (not bit-equal): they are saved. */
interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** The projection head (head.ts), from the identity: the untrained head is the base encoder. */
export function trainHead(opts: TrainOptions): Promise<TrainResult> {
  const size = opts.data.embeddings[0]?.length ?? 0;
  return trainModel({ ...opts, model: () => new HeadVariables(identityHead(size)) });
}

/**
 * Trains the model that `model` makes (after the backend is set, so its variables live on it; it is
 * disposed at the end) on the training set's rows.
 */
export async function trainModel<W>(
  opts: TrainOptions<W> & { model: () => TrainableModel<W> },
): Promise<TrainResult<W>> {
  const { config, data } = opts;
  validateConfig(config);
  if (data.embeddings.length !== data.labels.length || data.embeddings.length === 0)
    throw new Error('the training set needs one label per embedding, and at least one embedding');
  const size = data.embeddings[0]!.length;
  if (data.embeddings.some((e) => e.length !== size)) throw new Error('every training row must have the same size');
  const classes = Math.max(...data.labels) + 1;
  const dataHash = trainSetHash(data);
  registerTrainingGradients();
  let previousBackend: string | null;
  try {
    previousBackend = tf.getBackend();
  } catch {
    previousBackend = null;
  }
  await tf.setBackend('cpu');

  const rng = new Rng(config.seed);
  const sampler = new PkSampler(data.labels, config.batchPeople, config.batchPhotos, rng);
  const flat = new Float32Array(data.embeddings.length * size);
  data.embeddings.forEach((e, i) => flat.set(e, i * size));
  const x = tf.tensor2d(flat, [data.embeddings.length, size]);
  const head = opts.model();
  const out = head.outputSize;
  // The classifier of the softmax term: seeded small weights (a zero start would give every class the
  // same gradient). Its own generator, so that turning the term on does not change the batches.
  const classifier =
    config.auxWeight > 0
      ? tf.tidy(() => tf.variable(tf.tensor2d(seededNormal(out * classes, config.seed, 0.01), [out, classes])))
      : null;
  const variables = classifier ? [...head.variables, classifier] : [...head.variables];
  const optimizer = tf.train.adam(config.learningRate);

  let epoch = 0;
  let step = 0;
  let history: EpochReport[] = [];
  let sums = zeroSums();

  const save = async () => {
    if (!opts.checkpoint) return;
    const named = await optimizer.getWeights();
    const [iter, ...moments] = named;
    iter!.tensor.dispose();
    const acc = optimizer as unknown as AdamInternals;
    const ckpt: TrainCheckpoint = {
      format: 'presence-train-checkpoint/1',
      config,
      dataHash,
      epoch,
      step,
      rngState: rng.state,
      history,
      partial: sums,
      weights: Object.fromEntries(variables.map((v, i) => [String(i), encodeFloats(v.dataSync() as Float32Array)])),
      optimizer: {
        iterations: optimizer.iterations,
        accBeta1: acc.accBeta1 ? acc.accBeta1.dataSync()[0]! : 0,
        accBeta2: acc.accBeta2 ? acc.accBeta2.dataSync()[0]! : 0,
        moments: moments.map((m) => encodeFloats(m.tensor.dataSync() as Float32Array)),
      },
      savedAt: new Date().toISOString(),
    };
    writeCheckpoint(opts.checkpoint, ckpt);
  };

  try {
    if (opts.resume) {
      if (!opts.checkpoint) throw new Error('resume needs a checkpoint file');
      const ck = readCheckpoint<TrainConfig, EpochReport, EpochSums>(opts.checkpoint);
      assertResumable(ck, config, dataHash);
      variables.forEach((v, i) => {
        const values = ck.weights[String(i)];
        if (values === undefined) throw new Error('the checkpoint lacks a variable of this model');
        tf.tidy(() => v.assign(tf.tensor(decodeFloats(values), v.shape)));
      });
      const restored: Parameters<tf.Optimizer['setWeights']>[0] = [
        { name: 'iter', tensor: tf.scalar(ck.optimizer.iterations, 'int32') },
        ...ck.optimizer.moments.map((m, i) => ({
          name: `moment${i}`,
          tensor: tf.tensor(decodeFloats(m), variables[i % variables.length]!.shape),
        })),
      ];
      await optimizer.setWeights(restored);
      tf.dispose(restored.map((r) => r.tensor));
      if (ck.optimizer.iterations > 0) {
        const acc = optimizer as unknown as AdamInternals;
        if (!acc.accBeta1 || !acc.accBeta2)
          throw new Error("this TF.js version's Adam keeps its state elsewhere: a bit-exact resume is not possible");
        tf.tidy(() => {
          acc.accBeta1!.assign(tf.scalar(ck.optimizer.accBeta1));
          acc.accBeta2!.assign(tf.scalar(ck.optimizer.accBeta2));
        });
      }
      rng.state = ck.rngState;
      epoch = ck.epoch;
      step = ck.step;
      history = ck.history;
      sums = ck.partial;
    }

    const steps = sampler.batchesPerEpoch;
    while (epoch < config.epochs) {
      while (step < steps) {
        if (opts.signal?.aborted) {
          await save();
          return {
            weights: head.read(),
            history,
            finished: false,
            epochsDone: epoch,
            step,
            checkpoint: opts.checkpoint ?? null,
          };
        }
        const s = trainStep(sampler.next(), x, head, classifier, optimizer, variables, config);
        sums.steps++;
        sums.loss += s.loss;
        sums.tripletLoss += s.tripletLoss;
        sums.auxLoss += s.auxLoss;
        sums.activeShare += s.activeShare;
        sums.meanPositiveSq += s.meanPositiveSq;
        sums.meanNegativeSq += s.meanNegativeSq;
        step++;
        opts.onStep?.({
          epoch: epoch + 1,
          step,
          steps,
          loss: s.loss,
          activeShare: s.activeShare,
          meanPositiveSq: s.meanPositiveSq,
          meanNegativeSq: s.meanNegativeSq,
        });
        // Lets a signal (Ctrl-C) in between steps: the loop is otherwise synchronous.
        await new Promise<void>((r) => setImmediate(r));
      }
      const n = Math.max(1, sums.steps);
      const report: EpochReport = {
        epoch: epoch + 1,
        steps: sums.steps,
        loss: sums.loss / n,
        tripletLoss: sums.tripletLoss / n,
        auxLoss: sums.auxLoss / n,
        activeShare: sums.activeShare / n,
        meanPositiveSq: sums.meanPositiveSq / n,
        meanNegativeSq: sums.meanNegativeSq / n,
        validation: opts.validate ? opts.validate(head.read()) : null,
      };
      history = [...history, report];
      epoch++;
      step = 0;
      sums = zeroSums();
      await save();
      opts.onEpoch?.(report);
    }
    return {
      weights: head.read(),
      history,
      finished: true,
      epochsDone: epoch,
      step: 0,
      checkpoint: opts.checkpoint ?? null,
    };
  } finally {
    optimizer.dispose();
    head.dispose();
    classifier?.dispose();
    x.dispose();
    if (previousBackend && previousBackend !== 'cpu') await tf.setBackend(previousBackend);
  }
}

interface StepStats {
  loss: number;
  tripletLoss: number;
  auxLoss: number;
  activeShare: number;
  meanPositiveSq: number;
  meanNegativeSq: number;
}

function trainStep<W>(
  batch: PkBatch,
  x: tf.Tensor2D,
  head: TrainableModel<W>,
  classifier: tf.Variable | null,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  config: TrainConfig,
): StepStats {
  let parts: { stats: TripletStats; auxLoss: number } | null = null;
  const cost = optimizer.minimize(
    () => {
      const r = batchLoss(
        head.apply(tf.gather(x, tf.tensor1d(batch.photos, 'int32'))),
        batch.labels,
        classifier,
        config,
      );
      parts = r;
      return r.loss;
    },
    true,
    variables,
  );
  const loss = cost!.dataSync()[0]!;
  cost!.dispose();
  const p = parts as { stats: TripletStats; auxLoss: number } | null;
  return {
    loss,
    tripletLoss: p?.stats.loss ?? 0,
    auxLoss: p?.auxLoss ?? 0,
    activeShare: p?.stats.activeShare ?? 0,
    meanPositiveSq: p?.stats.meanPositiveSq ?? 0,
    meanNegativeSq: p?.stats.meanNegativeSq ?? 0,
  };
}

/**
 * The loss of one batch of head outputs y (rows, L2-normalised): the mined triplet term, plus auxWeight
 * times the softmax cross-entropy of the classifier when there is one. Call it inside a tidy (or a
 * gradient tape, which is one): the intermediate tensors are left to it.
 */
export function batchLoss(
  y: tf.Tensor2D,
  labels: readonly number[],
  classifier: tf.Variable | null,
  config: Pick<TrainConfig, 'miner' | 'margin' | 'auxWeight'>,
): { loss: tf.Scalar; stats: TripletStats; auxLoss: number } {
  const d = pairwiseSquaredDistances(y);
  // The mining reads the distances as plain numbers: the choice of triplets is not differentiated.
  const values = d.dataSync() as Float32Array;
  const triplets = mineTriplets(values, labels, config.miner);
  const stats = tripletStats(values, labels, triplets, config.margin, config.miner);
  const active = Math.round(stats.activeShare * stats.triplets);
  const loss = tripletLoss(d, triplets, config.margin, config.miner, active);
  if (!classifier || config.auxWeight === 0) return { loss, stats, auxLoss: 0 };
  const logits = tf.matMul(y, classifier);
  const onehot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), classifier.shape[1]!);
  // -mean over the batch of log p(label); written with sum and mul, whose gradients gradients.ts has.
  const ce = tf.mul(tf.sum(tf.mul(onehot, tf.logSoftmax(logits))), -1 / labels.length) as tf.Scalar;
  return { loss: tf.add(loss, tf.mul(ce, config.auxWeight)) as tf.Scalar, stats, auxLoss: ce.dataSync()[0]! };
}

function seededNormal(count: number, seed: number, scale: number): Float32Array {
  const rng = new Rng((seed ^ 0x9e3779b9) >>> 0);
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
}

function validateConfig(c: TrainConfig): void {
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number of at least ${min}, not ${v}`);
  };
  whole('epochs', c.epochs, 1);
  whole('batch people', c.batchPeople, 2);
  whole('batch photos', c.batchPhotos, 2);
  if (!(c.margin > 0)) throw new Error(`the margin must be above 0, not ${c.margin}`);
  if (!(c.auxWeight >= 0)) throw new Error(`the aux weight must be 0 or more, not ${c.auxWeight}`);
  if (!(c.learningRate > 0)) throw new Error(`the learning rate must be above 0, not ${c.learningRate}`);
  if (!Number.isInteger(c.seed)) throw new Error(`the seed must be a whole number, not ${c.seed}`);
}

/** Every setting but the number of epochs must match: a run may be resumed to train longer. */
function assertResumable(ck: TrainCheckpoint, config: TrainConfig, dataHash: string): void {
  if (ck.dataHash !== dataHash)
    throw new Error('The checkpoint was made on other training photos: run without --resume to start afresh.');
  const keys = Object.keys(DEFAULT_TRAIN_CONFIG) as (keyof TrainConfig)[];
  const differ = keys.filter((k) => k !== 'epochs' && ck.config[k] !== config[k]);
  if (differ.length)
    throw new Error(
      `The checkpoint was made with other settings (${differ.map((k) => `${k} ${String(ck.config[k])}, not ${String(config[k])}`).join('; ')}): give the same settings to resume, or run without --resume.`,
    );
}
