// `presence templates status|reembed`: which face model the templates belong to, and moving them to the
// default one from their stored face chips (domain/reembed.ts).
import type { Command } from 'commander';
import { progressBar } from './progress';
import { AppError } from '../shared/errors';
import type { PresenceApp } from '../main/app';
import { peopleWithoutChips } from '../main/domain/reembed';
import { openApp, type GlobalOptions } from './context';

/** One line per encoder: templates, people, and how many templates keep their chip. */
function census(app: PresenceApp): Array<{ modelId: string; templates: number; people: number; withChip: number }> {
  const byModel = new Map<string, { modelId: string; templates: number; people: number; withChip: number }>();
  for (const r of app.store.templates.encoderCensus()) {
    const m = byModel.get(r.modelId) ?? { modelId: r.modelId, templates: 0, people: 0, withChip: 0 };
    m.templates += r.templates;
    m.withChip += r.withChip;
    m.people++;
    byModel.set(r.modelId, m);
  }
  return [...byModel.values()].sort((a, b) => a.modelId.localeCompare(b.modelId));
}

function olderModelSentence(n: number): string {
  return n === 1
    ? '1 person was enrolled with an older face model and has no stored face chip'
    : `${n} people were enrolled with an older face model and have no stored face chip`;
}

export function registerTemplates(program: Command): void {
  const templates = program
    .command('templates')
    .description('face templates: which face model they belong to, and re-embedding them from their face chips');

  templates
    .command('status')
    .description('say which face model recognition uses and how many templates keep a face chip')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const { plan, selection } = app.galleryPlan();
        const models = census(app);
        if (opts.json) {
          console.log(JSON.stringify({ ...plan, models, trainedModelError: selection.error }));
          return;
        }
        if (selection.error) console.log(selection.error);
        for (const m of models)
          console.log(`${m.modelId}: ${m.templates} template(s) of ${m.people} people, ${m.withChip} with a face chip`);
        if (models.length === 0) console.log('No face templates yet.');
        console.log(`Recognition uses ${plan.galleryEncoder} (the default face model is ${plan.defaultEncoder}).`);
        if (plan.withoutChips > 0)
          console.log(`${olderModelSentence(plan.withoutChips)}: re-enroll them to move to the new model.`);
        else if (plan.toReembed > 0)
          console.log(`${plan.toReembed} template(s) will be re-embedded when the face engine next starts.`);
      } finally {
        await app.close();
      }
    });

  templates
    .command('reembed')
    .description('embed every template of another face model again from its face chip, with the default model')
    .action(async (_opts: unknown, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        // The default is the trained model chosen in the settings, when there is one (domain/trained-model.ts).
        const { plan, selection } = app.galleryPlan();
        if (selection.error) throw new AppError('MODEL_MISSING', selection.error);
        const target = plan.defaultEncoder;
        const rows = app.store.templates.encoderCensus();
        const stuck = peopleWithoutChips(rows, target).size;
        if (stuck > 0)
          throw new AppError(
            'CONFLICT',
            `${olderModelSentence(stuck)}, so recognition must stay on that model: re-enroll them (or remove them) first; nothing was re-embedded.`,
          );
        const others = rows.filter((r) => r.modelId !== target);
        if (others.length === 0) {
          const n = rows.reduce((s, r) => s + r.templates, 0);
          console.log(
            n === 0
              ? 'There are no face templates to re-embed.'
              : `Nothing to re-embed: all ${n} template(s) use ${target}.`,
          );
          return;
        }
        await app.engine.start(selection.model ? { modelDir: selection.model.dir } : { encoderId: target });
        const bar = progressBar('re-embedding', 'templates');
        let result;
        try {
          result = await app.reembed.run({ actor: 'cli', onProgress: (done, total) => bar.update(done, total) });
        } finally {
          bar.stop();
        }
        const notes = [
          result.dropped ? `${result.dropped} older template(s) without a face chip removed` : '',
          result.failed ? `${result.failed} damaged face chip(s) left as they were` : '',
        ].filter(Boolean);
        console.log(
          `Re-embedded ${result.reembedded} template(s) of ${result.people} people with ${target}; ${result.withoutChips} people lack a face chip${notes.length ? `; ${notes.join('; ')}` : ''}.`,
        );
        console.log('Restart the desktop app or "presence serve" if it is running, so that it uses the new model.');
      } finally {
        await app.close();
      }
    });
}
