// `presence settings [show]` and `presence settings set KEY VALUE`: the same settings as the Settings
// screen, checked by the same schema and the same app (a trained model folder is checked as it is there).
import type { Command } from 'commander';
import path from 'node:path';
import { AppError } from '../shared/errors';
import { settingsPatchSchema, type Settings } from '../shared/settings';
import { openApp, type GlobalOptions } from './context';

/** Every key, nested kiosk options as kiosk.NAME, with its value as JSON. */
function flatten(settings: Settings): [string, unknown][] {
  return Object.entries(settings).flatMap(([k, v]) =>
    k === 'kiosk' ? Object.entries(v as object).map(([n, x]) => [`kiosk.${n}`, x] as [string, unknown]) : [[k, v]],
  );
}

/** "null", numbers, true/false and JSON are read as such; anything else is the text itself. */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function patchOf(key: string, text: string): Record<string, unknown> {
  const value = valueOf(text);
  const [head, sub, ...rest] = key.split('.');
  if (rest.length || !head) throw new AppError('INVALID_INPUT', `${key} is not a setting: see presence settings.`);
  // A path is text even when it looks like a number.
  const asText = text === 'null' ? null : text;
  const v =
    head === 'trainedModel'
      ? asText && path.resolve(asText) // the settings keep a folder by its full path
      : head === 'stationName' || head === 'cameraId'
        ? asText
        : value;
  return sub ? { [head]: { [sub]: v } } : { [head]: v };
}

export function registerSettings(program: Command): void {
  const settings = program
    .command('settings')
    .description("show or change this station's settings (the same as the Settings screen)");

  settings
    .command('show', { isDefault: true })
    .description('print every setting')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const s = app.settings();
        if (opts.json) console.log(JSON.stringify(s));
        else for (const [k, v] of flatten(s)) console.log(`${k} = ${JSON.stringify(v)}`);
      } finally {
        await app.close();
      }
    });

  settings
    .command('set')
    .description('change one setting, e.g. "settings set targetFar 1e-4" or "settings set trainedModel ./model"')
    .argument('<key>', 'the setting, as presence settings prints it (kiosk.sound for a kiosk option)')
    .argument('<value>', 'its new value (null clears a setting that may be empty)')
    .action(async (key: string, text: string, _opts: unknown, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const parsed = settingsPatchSchema.safeParse(patchOf(key, text));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const known = issue?.code === 'unrecognized_keys';
          throw new AppError(
            'INVALID_INPUT',
            known
              ? `${key} is not a setting: see presence settings.`
              : `${text} is not a valid value for ${key}: ${issue?.message ?? 'see presence settings'}.`,
          );
        }
        const before = app.settings().trainedModel;
        const next = app.updateSettings(parsed.data, 'cli');
        const shown = flatten(next).find(([k]) => k === key)?.[1];
        console.log(`${key} = ${JSON.stringify(shown)}`);
        if (next.trainedModel !== before)
          console.log(
            next.trainedModel
              ? 'Recognition moves to this trained model (everyone re-embedded from their face chips) when the desktop app or "presence serve" next starts: restart it if it is running.'
              : 'Recognition moves back to the shipped face model when the desktop app or "presence serve" next starts: restart it if it is running.',
          );
      } finally {
        await app.close();
      }
    });
}
