// `presence export attendance --from --to --format csv [--sheet timesheet]`.
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import { openApp, parseDay, type GlobalOptions } from './context';

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export data');
  exp
    .command('attendance')
    .description('export attendance of a date range: every event, or a timesheet (hours per person and day)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD', parseDay)
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD', parseDay)
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'xlsx']).default('csv'))
    .addOption(
      new Option('--sheet <sheet>', 'events: one row per punch; timesheet: hours, flags and totals per person')
        .choices(['events', 'timesheet'])
        .default('events'),
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .action(
      async (
        opts: { from: string; to: string; format: 'csv' | 'xlsx'; sheet: 'events' | 'timesheet'; out?: string },
        cmd: Command,
      ) => {
        if (opts.from > opts.to) throw new Error('--from must not be after --to.');
        if (opts.format === 'xlsx' && !opts.out) throw new Error('XLSX is a binary file: give --out FILE.');
        const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
        try {
          const range = { from: opts.from, to: opts.to };
          const file = await app.attendance.export(range, opts.format, opts.sheet);
          if (opts.out) {
            fs.writeFileSync(opts.out, file.bytes);
            const events = app.attendance.list(range).length;
            console.error(
              `Wrote the ${opts.sheet === 'events' ? 'event log' : 'timesheet'} of ${events} events to ${opts.out}.`,
            );
          } else {
            process.stdout.write(Buffer.from(file.bytes));
          }
        } finally {
          await app.close();
        }
      },
    );
}
