// `presence`: the headless face of the app. Every command works on the same database as the desktop
// app (or the one given with --db) and fails with a non-zero exit and one line that says why.
import { Command, CommanderError, Option } from 'commander';
import pkg from '../../package.json';
import { isAppError } from '../shared/errors';
import { registerServe } from './serve';
import { registerPeople } from './people';
import { registerExport } from './export';
import { registerFaces } from './faces';
import { registerEval } from './eval';
import { registerTemplates } from './templates';
import { registerAdmin } from './admin';
import { registerAudit } from './audit';
import { registerBackup } from './backup';
import { registerSettings } from './settings';
import { registerTrain } from './train';
import { registerCluster } from './cluster';
import { registerHub } from './hub';
import { registerSync } from './sync';
import { AnsweredFailure } from './context';

export function buildProgram(): Command {
  const program = new Command('presence')
    .description(
      'Presence: offline face-recognition attendance. Runs the kiosk server and manages people and attendance.',
    )
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option('--db <path>', "database file (default: the desktop app's, or $PRESENCE_DB)"));
  registerServe(program);
  registerPeople(program);
  registerFaces(program);
  registerTemplates(program);
  registerExport(program);
  registerEval(program);
  registerAdmin(program);
  registerAudit(program);
  registerBackup(program);
  registerSettings(program);
  registerTrain(program);
  registerCluster(program);
  registerHub(program);
  registerSync(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof AnsweredFailure) return e.exitCode;
    if (isAppError(e)) {
      process.stderr.write(`presence: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`presence: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
