// `presence eval lfw|ident`: the project's accuracy figures, measured on data given by path.
// The last line of output is one JSON object, so scripts can read it with `tail -n 1`.
import type { Command } from 'commander';
import type { EngineStartOptions } from '../main/engine';
import { createInProcessEngine } from '../main/engine/engine';
import { evaluateIdent, evaluateLfw } from '../main/evaluation';
import { existingPath } from './context';
import { progressLine } from './progress';

/** The shipped encoder, or the trained model given with --model (its head on top of its base encoder). */
function startOptions(opts: { model?: string }): EngineStartOptions {
  return opts.model ? { modelDir: opts.model } : {};
}

export function registerEval(program: Command): void {
  const ev = program.command('eval').description('measure recognition accuracy on a labelled data set');

  ev.command('lfw')
    .description('LFW verification, 10-fold cross-validation (pairs file in LFW format)')
    .requiredOption(
      '--pairs <file>',
      'pairs file: first line "N" or "folds N", then "Name i j" and "Name1 i Name2 j" lines',
      existingPath('file'),
    )
    .requiredOption('--images <dir>', 'folder with <Name>/<Name>_NNNN.jpg', existingPath('directory'))
    .option(
      '--model <dir>',
      'a model folder written by presence train (default: the shipped encoder)',
      existingPath('directory'),
    )
    .option('--json', 'print only the JSON result line')
    .action(async (opts: { pairs: string; images: string; model?: string; json?: boolean }) => {
      const engine = createInProcessEngine();
      try {
        await engine.start(startOptions(opts));
        const result = await evaluateLfw({
          pairsFile: opts.pairs,
          imagesDir: opts.images,
          engine,
          onProgress: progressLine('images'),
        });
        if (!opts.json) {
          console.log(
            `accuracy ${(result.accuracy * 100).toFixed(2)} % ± ${(result.std * 100).toFixed(2)} over ${result.folds} folds, ${result.pairs} pairs`,
          );
          console.log(
            `AUC ${result.auc.toFixed(4)}, TAR at FAR 1e-3 ${(result.tarAtFar1e3 * 100).toFixed(1)} %, no face found in ${result.failures} photos`,
          );
        }
        console.log(JSON.stringify(result));
      } finally {
        await engine.stop();
      }
    });

  ev.command('ident')
    .description('open-set 1:N identification (list of "role identity image" rows: enroll, probe, impostor)')
    .requiredOption('--list <file>', 'tab-separated list file', existingPath('file'))
    .requiredOption('--images <dir>', 'folder the image paths are relative to', existingPath('directory'))
    .option(
      '--model <dir>',
      'a model folder written by presence train (default: the shipped encoder)',
      existingPath('directory'),
    )
    .option('--json', 'print only the JSON result line')
    .action(async (opts: { list: string; images: string; model?: string; json?: boolean }) => {
      const engine = createInProcessEngine();
      try {
        await engine.start(startOptions(opts));
        const result = await evaluateIdent({
          listFile: opts.list,
          imagesDir: opts.images,
          engine,
          onProgress: progressLine('images'),
        });
        if (!opts.json) {
          console.log(
            `rank-1 ${(result.rank1 * 100).toFixed(2)} %, FNIR at FPIR 1 % ${(result.fnirAtFpir1e2 * 100).toFixed(2)} %`,
          );
        }
        console.log(JSON.stringify(result));
      } finally {
        await engine.stop();
      }
    });
}
