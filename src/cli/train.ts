// `presence train DIR --out MODELDIR`: FaceNet's triplet loss on a labelled folder (one sub-folder of
// photos per person), training either a projection head on top of the shipped encoder (--mode head) or
// the shipped MobileFaceNet's last stage, conv2 + gdconv + conv3 (--mode finetune). The photos go through
// the engine's own detection and alignment once (cached); training then runs on what the frozen part of
// the network gives each face: its embedding (head), or the trunk's 7x7x128 map of its aligned crop
// (finetune), so an epoch costs only the trained layers. The output is a model folder
// (src/main/training/model-folder.ts). With --json the last line of stdout is one JSON object.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { progressBar, type ProgressBar } from './progress';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/errors';
import { createInProcessEngine } from '../main/engine/engine';
import { crowded } from '../main/domain/faces';
import { parsePairs } from '../main/evaluation';
import { EmbeddingCache } from '../main/training/embedding-cache';
import type { MobileFaceNetTail } from '../main/engine';
import { HeadVariables, identityHead, applyHead, type HeadWeights } from '../main/training/head';
import { measureDistanceTable } from '../main/training/distances';
import type { TrainableModel } from '../main/training/model';
import { writeModelFolder, type TrainedWeights } from '../main/training/model-folder';
import { dataHashOf, embedTrainingPhotos, embedValidationPhotos, listLabelledFolder } from '../main/training/photos';
import { embedThroughTail, TailVariables } from '../main/training/tail';
import {
  trainModel,
  type EpochReport,
  type TrainConfig,
  type TrainResult,
  type VerificationFigures,
} from '../main/training/trainer';
import { MINERS, type Miner } from '../main/training/triplet';
import { verify, type Embedder, type ValidationSet } from '../main/training/validation';
import { AnsweredFailure, existingPath } from './context';

interface TrainOpts {
  out: string;
  mode: 'head' | 'finetune';
  epochs: number;
  batchPeople: number;
  batchPhotos: number;
  margin: number;
  miner: Miner;
  auxWeight: number;
  lr: number;
  seed: number;
  valPairs?: string;
  valImages?: string;
  resume?: boolean;
  cache?: string;
  json?: boolean;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), after its checkpoint or cache was saved. */
const INTERRUPTED = 130;

const number =
  (what: string, ok: (n: number) => boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`expected ${what}.`);
    return n;
  };
const whole = (min: number) => number(`a whole number of at least ${min}`, (n) => Number.isInteger(n) && n >= min);

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      "train a projection head on the shipped encoder, or fine-tune its last stage, with FaceNet's triplet loss (DIR: one sub-folder of photos per person)",
    )
    .argument('<dir>', 'labelled folder: DIR/<person>/<photo>', existingPath('directory'))
    .requiredOption('--out <dir>', 'model folder to write (created when missing)')
    .addOption(
      new Option(
        '--mode <mode>',
        "head: a projection head on the frozen encoder; finetune: the MobileFaceNet's last stage (conv2, gdconv, conv3) retrained",
      )
        .choices(['head', 'finetune'])
        .default('head'),
    )
    .option('--epochs <n>', 'epochs', whole(1), 20)
    .option('--batch-people <n>', 'people per batch (P)', whole(2), 16)
    .option('--batch-photos <n>', 'photos per person in a batch (K)', whole(2), 4)
    .option(
      '--margin <m>',
      'triplet margin, in squared distance',
      number('a number above 0', (n) => n > 0),
      0.2,
    )
    .addOption(new Option('--miner <miner>', 'online triplet mining').choices([...MINERS]).default('semi-hard'))
    .option(
      '--aux-weight <w>',
      'weight of a softmax cross-entropy term over the training identities (0: off)',
      number('a number of 0 or more', (n) => n >= 0),
      0,
    )
    .option(
      '--lr <rate>',
      'Adam learning rate',
      number('a number above 0', (n) => n > 0),
      1e-3,
    )
    .option('--seed <n>', 'seed of the batches and initial weights', number('a whole number', Number.isInteger), 1)
    .option('--val-pairs <file>', 'LFW-format pairs file to validate on each epoch', existingPath('file'))
    .option('--val-images <dir>', 'folder with <Name>/<Name>_NNNN.jpg for --val-pairs', existingPath('directory'))
    .option('--resume', 'continue from the checkpoint (in <out>.work/)')
    .option('--cache <file>', 'embedding cache (default: <out>.work/embeddings.json)')
    .option('--json', 'print the result as one JSON object on the last line')
    .action(async (dir: string, opts: TrainOpts) => {
      await runTrain(dir, opts);
    });
}

/** What one mode trains: how it starts, how it embeds validation rows, and what it writes. */
interface ModeRun<W> {
  /** What the mode's log lines call the model. */
  what: string;
  model: () => TrainableModel<W>;
  initial: W;
  embedder: (w: W) => Embedder;
  weights: (w: W) => TrainedWeights;
}

async function runTrain(dir: string, opts: TrainOpts): Promise<void> {
  if ((opts.valPairs === undefined) !== (opts.valImages === undefined))
    throw new AppError(
      'INVALID_INPUT',
      opts.valPairs
        ? '--val-pairs needs --val-images: the folder its photos are in (<Name>/<Name>_NNNN.jpg).'
        : '--val-images needs --val-pairs: the pairs file to validate on.',
    );
  const out = path.resolve(opts.out);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new AppError(
      'INVALID_INPUT',
      `--out ${opts.out} is a file: give a folder for the model (it is created when missing).`,
    );
  // The checkpoint and the embedding cache hold the training people's face embeddings: they stay in a
  // work folder beside the model, so that the model folder an administrator copies to stations holds
  // the model only (manifest.json, head.bin, distances.json).
  const work = `${out}.work`;
  // One checkpoint a mode: a head's cannot be resumed as a fine-tune, or the other way round.
  const checkpoint = path.join(work, opts.mode === 'finetune' ? 'checkpoint-finetune.json' : 'checkpoint.json');
  if (opts.resume && !existsSync(checkpoint))
    throw new AppError('NOT_FOUND', `There is no checkpoint in ${work} to resume from: run without --resume to start.`);

  const people = listLabelledFolder(dir).filter((p) => p.photos.length > 0);
  if (people.length === 0)
    throw new AppError(
      'INVALID_INPUT',
      `${dir} holds no photos in sub-folders: put one sub-folder of photos per person in it (${path.join(dir, 'Alice', 'photo1.jpg')}, ...).`,
    );
  if (people.length === 1)
    throw new AppError(
      'INVALID_INPUT',
      `${dir} holds photos of one person only (${people[0]!.name}): training needs at least 2 people, each in their own sub-folder.`,
    );

  const say = (line: string) => (opts.json ? process.stderr.write(`${line}\n`) : console.log(line));
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  try {
    mkdirSync(out, { recursive: true });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    const cache = EmbeddingCache.open(path.resolve(opts.cache ?? path.join(work, 'embeddings.json')));
    const allPhotos = people.flatMap((p) => p.photos);

    // 1. Embeddings, through the engine (it is stopped before training: both would want the CPU).
    const engine = createInProcessEngine();
    const rows = opts.mode === 'finetune' ? 'trunk' : 'embedding';
    let baseTail: MobileFaceNetTail | null = null;
    let encoderId: string;
    let embedded: Awaited<ReturnType<typeof embedTrainingPhotos>>;
    let validation:
      (ValidationSet & { photos: Map<string, { embedding: Float32Array | null; found: boolean }> }) | null = null;
    try {
      const status = await engine.start();
      encoderId = status.encoderId!;
      // Before any photo: a base encoder without a MobileFaceNet last stage is refused with a sentence.
      if (rows === 'trunk') baseTail = await engine.baseTail();
      const bar = progressBar('photos');
      embedded = await embedTrainingPhotos(engine, allPhotos, {
        cache,
        encoderId,
        rows,
        crowded,
        signal: stop.signal,
        onProgress: bar.update,
      });
      bar.stop();
      if (!stop.signal.aborted && opts.valPairs && opts.valImages) {
        const { pairs, folds } = parsePairs(readFileSync(opts.valPairs, 'utf8'), opts.valImages);
        const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
        const missing = files.filter((f) => !existsSync(f));
        if (missing.length)
          throw new AppError(
            'NOT_FOUND',
            `Missing from ${opts.valImages}: ${missing.length} of the ${files.length} photos named in ${opts.valPairs} (the first: ${missing[0]}). Check --val-images and the pairs file.`,
          );
        const vbar = progressBar('validation photos');
        const photos = await embedValidationPhotos(engine, files, {
          cache,
          encoderId,
          rows,
          signal: stop.signal,
          onProgress: vbar.update,
        });
        vbar.stop();
        const embeddings = new Map([...photos].map(([f, e]) => [f, e.embedding]));
        validation = { pairs, folds, embeddings, photos };
      }
    } finally {
      await engine.stop();
    }
    if (stop.signal.aborted) {
      cache.save();
      say(
        `Stopped while embedding photos: the ones done are kept in ${cache.file}; run the same command again to go on.`,
      );
      throw new AnsweredFailure(INTERRUPTED);
    }

    // 2. Who can be trained on.
    const skipped = embedded.flatMap((t) => ('reason' in t ? [{ photo: t.photo.rel, reason: t.reason }] : []));
    for (const s of skipped) say(`skipped ${s.photo}: ${s.reason}`);
    const everyone = people.map((p) => ({
      name: p.name,
      total: p.photos.length,
      embeddings: embedded.flatMap((t) =>
        t.photo.rel.startsWith(`${p.name}/`) && 'embedding' in t ? [t.embedding] : [],
      ),
    }));
    // A person needs two usable photos to give a positive pair; those with fewer are left out and said,
    // so that one bad folder among hundreds does not stop a run. Fewer than two people left is bad input.
    const short = everyone.filter((p) => p.embeddings.length < 2);
    for (const p of short) say(`left out ${p.name}: ${p.embeddings.length} of ${p.total} photos usable, 2 needed`);
    const usable = everyone.filter((p) => p.embeddings.length >= 2);
    // The photos the model learnt from: usable ones of the people kept (the manifest's dataHash).
    const kept = new Set(usable.map((p) => p.name));
    const trainedOn = embedded.flatMap((t) =>
      'embedding' in t && kept.has(t.photo.rel.slice(0, t.photo.rel.indexOf('/'))) ? [t.photo] : [],
    );
    if (usable.length < 2) {
      const list = short.map((p) => `${p.name} (${p.embeddings.length} of ${p.total} usable)`).join(', ');
      throw new AppError(
        'INVALID_INPUT',
        `Training needs at least 2 people with 2 usable photos each (one face a photo), and ${usable.length === 1 ? 'only 1 person has' : `${usable.length} people have`} them. Too few usable photos: ${list}. Add photos of one face each.`,
      );
    }
    const embeddings = usable.flatMap((p) => p.embeddings);
    const labels = usable.flatMap((p, i) => p.embeddings.map(() => i));

    // 3. Training.
    const config: TrainConfig = {
      epochs: opts.epochs,
      batchPeople: opts.batchPeople,
      batchPhotos: opts.batchPhotos,
      margin: opts.margin,
      miner: opts.miner,
      auxWeight: opts.auxWeight,
      learningRate: opts.lr,
      seed: opts.seed,
    };
    const result =
      baseTail !== null
        ? await runMode<MobileFaceNetTail>(
            {
              what: "the MobileFaceNet's last stage",
              model: () => new TailVariables(baseTail!),
              initial: baseTail,
              embedder: (t) => (r) => embedThroughTail(t, r),
              weights: (t) => ({ tail: t }),
            },
            { config, embeddings, labels, validation, usable, dir, opts, checkpoint, stop, say, encoderId },
          )
        : await runMode<HeadWeights>(
            {
              what: 'a head',
              model: () => new HeadVariables(identityHead(embeddings[0]!.length)),
              initial: identityHead(embeddings[0]!.length),
              embedder: (h) => (r) => r.map((e) => applyHead(h, e)),
              weights: (h) => ({ head: h }),
            },
            { config, embeddings, labels, validation, usable, dir, opts, checkpoint, stop, say, encoderId },
          );
    const { valBefore, valAfter, table, trainedWeights } = result;

    // 4. The model folder.
    const manifest = writeModelFolder(out, {
      weights: trainedWeights,
      baseEncoder: encoderId,
      dataHash: dataHashOf(trainedOn),
      training: {
        mode: opts.mode,
        epochs: result.run.epochsDone,
        people: usable.length,
        photos: embeddings.length,
        skipped: skipped.length,
        batchPeople: config.batchPeople,
        batchPhotos: config.batchPhotos,
        margin: config.margin,
        miner: config.miner,
        auxWeight: config.auxWeight,
        learningRate: config.learningRate,
        seed: config.seed,
      },
      validation: { pairs: validation ? validation.pairs.length : null, before: valBefore, after: valAfter },
      distances: table,
    });
    if (valAfter) say(`validation after training: ${figures(valAfter)} (before: ${figures(valBefore!)})`);
    say(`wrote ${manifest.id} to ${out}`);
    console.log(
      JSON.stringify({
        mode: opts.mode,
        epochs: result.run.epochsDone,
        people: usable.length,
        photos: embeddings.length,
        skipped: skipped.length,
        skippedPhotos: skipped,
        valBefore,
        valAfter,
        out,
        id: manifest.id,
        baseEncoder: encoderId,
        history: result.run.history,
      }),
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

interface RunContext {
  config: TrainConfig;
  embeddings: Float32Array[];
  labels: number[];
  validation: (ValidationSet & { photos: Map<string, { embedding: Float32Array | null; found: boolean }> }) | null;
  usable: { name: string; embeddings: Float32Array[] }[];
  dir: string;
  opts: TrainOpts;
  checkpoint: string;
  stop: AbortController;
  say: (line: string) => void;
  encoderId: string;
}

/** Trains one mode's model, with the figures before and after and the distance table of the result. */
async function runMode<W>(mode: ModeRun<W>, c: RunContext) {
  const { config, validation, say } = c;
  const validate = validation ? (w: W) => verify(validation, mode.embedder(w)) : undefined;
  const valBefore = validate ? validate(mode.initial) : null;
  if (valBefore) say(`validation before training (the base encoder): ${figures(valBefore)}`);
  say(
    `training ${mode.what} on ${c.embeddings.length} photos of ${c.usable.length} people (${c.encoderId}), ${config.epochs} epochs of ${config.miner} triplets${c.opts.resume ? ', resumed from the checkpoint' : ''}`,
  );
  let bar: ProgressBar | null = null;
  const run: TrainResult<W> = await trainModel<W>({
    config,
    data: { embeddings: c.embeddings, labels: c.labels },
    model: mode.model,
    checkpoint: c.checkpoint,
    resume: c.opts.resume === true,
    signal: c.stop.signal,
    validate,
    onStep: (s) => {
      if (!process.stderr.isTTY) return;
      bar ??= progressBar(`epoch ${s.epoch}/${config.epochs}`);
      bar.update(s.step, s.steps);
      if (s.step === s.steps) {
        bar.stop();
        bar = null;
      }
    },
    onEpoch: (r) => say(epochLine(r, config.epochs)),
  });
  (bar as ProgressBar | null)?.stop();
  if (!run.finished) {
    say(
      `Stopped after ${run.epochsDone} of ${config.epochs} epochs${run.step ? ` and ${run.step} steps` : ''}: the checkpoint is in ${c.checkpoint}. To go on, run the same command with --resume.`,
    );
    throw new AnsweredFailure(INTERRUPTED);
  }
  const valAfter = validate ? validate(run.weights) : null;
  const table = distanceTable(mode.embedder(run.weights), validation, c.usable, c.opts, c.dir);
  return { run, valBefore, valAfter, table, trainedWeights: mode.weights(run.weights) };
}

/** On the validation photos in which a face was found when there are any, else on the training photos. */
function distanceTable(
  embed: Embedder,
  validation: { photos: Map<string, { embedding: Float32Array | null; found: boolean }> } | null,
  training: { name: string; embeddings: Float32Array[] }[],
  opts: TrainOpts,
  dir: string,
) {
  const command = `presence train ${dir} --out ${opts.out} --mode ${opts.mode} --epochs ${opts.epochs} --batch-people ${opts.batchPeople} --batch-photos ${opts.batchPhotos} --margin ${opts.margin} --miner ${opts.miner} --aux-weight ${opts.auxWeight} --lr ${opts.lr} --seed ${opts.seed}${opts.valPairs ? ` --val-pairs ${opts.valPairs} --val-images ${opts.valImages}` : ''}`;
  const rule = `a photo against the centroid of every other person's photos (impostor) and of its own person's other photos (genuine), through the trained ${opts.mode === 'finetune' ? 'last stage' : 'head'}`;
  const byPeople = (rows: Map<string, Float32Array[]>) => {
    const names = [...rows.keys()].sort();
    const all = names.flatMap((k) => rows.get(k)!);
    const through = embed(all);
    let at = 0;
    return names.map((k) => {
      const n = rows.get(k)!.length;
      at += n;
      return through.slice(at - n, at);
    });
  };
  if (validation) {
    const byPerson = new Map<string, Float32Array[]>();
    for (const [file, e] of validation.photos) {
      if (!e.embedding || !e.found) continue;
      const who = path.basename(path.dirname(file));
      byPerson.set(who, [...(byPerson.get(who) ?? []), e.embedding]);
    }
    const people = byPeople(byPerson);
    const photos = people.reduce((s, p) => s + p.length, 0);
    try {
      return measureDistanceTable(people, {
        encoderId: '',
        measuredOn: `the validation photos of ${opts.valPairs} (${photos} photos of ${people.length} people, a face found in each); ${rule}`,
        command,
      });
    } catch {
      // Too few validation people for a table: the training photos below, said so.
    }
  }
  const people = byPeople(new Map(training.map((p) => [p.name, p.embeddings])));
  const photos = people.reduce((s, p) => s + p.length, 0);
  return measureDistanceTable(people, {
    encoderId: '',
    measuredOn: `the training photos (${photos} photos of ${people.length} people): no usable validation data was given, so these distances are optimistic (the model has seen these people); ${rule}`,
    command,
  });
}

function figures(v: VerificationFigures): string {
  return `accuracy ${(v.accuracy * 100).toFixed(2)} %, AUC ${v.auc.toFixed(4)}, TAR at FAR 1e-3 ${(v.tarAtFar1e3 * 100).toFixed(1)} %`;
}

function epochLine(r: EpochReport, epochs: number): string {
  const val = r.validation ? `  val ${(r.validation.accuracy * 100).toFixed(2)} %` : '';
  const aux = r.auxLoss ? `  softmax ${r.auxLoss.toFixed(4)}` : '';
  return `epoch ${r.epoch}/${epochs}  loss ${r.loss.toFixed(4)}${aux}  active ${(r.activeShare * 100).toFixed(1)} %  d²+ ${r.meanPositiveSq.toFixed(3)}  d²- ${r.meanNegativeSq.toFixed(3)}${val}`;
}
