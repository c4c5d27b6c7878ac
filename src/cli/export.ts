// `presence export attendance --from --to --format csv`.
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import { exportAttendance } from '../main/domain/attendance-export';
import { openApp, parseDay, type GlobalOptions } from './context';

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export data');
  exp
    .command('attendance')
    .description('export attendance events of a date range')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD', parseDay)
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD', parseDay)
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'xlsx']).default('csv'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { from: string; to: string; format: 'csv' | 'xlsx'; out?: string }, cmd: Command) => {
      if (opts.from > opts.to) throw new Error('--from must not be after --to.');
      if (opts.format === 'xlsx' && !opts.out) throw new Error('XLSX is a binary file: give --out FILE.');
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const events = app.store.attendance.list({ from: opts.from, to: opts.to });
        const file = await exportAttendance(events, opts, opts.format, app.settings().timeZone ?? undefined);
        if (opts.out) {
          fs.writeFileSync(opts.out, file.bytes);
          console.error(`Wrote ${events.length} events to ${opts.out}.`);
        } else {
          process.stdout.write(Buffer.from(file.bytes));
        }
      } finally {
        await app.close();
      }
    });
}
