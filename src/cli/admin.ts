// `presence admin reset-pin`: the way back in when the admin PIN is forgotten or its stored hash is damaged.
// Local only: it opens the database file itself, so only whoever may read the data folder can run it;
// no contract channel does this. It needs no template key (the PIN is not encrypted), so it also works on
// a database set up by the desktop app.
import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { AppError } from '../shared/errors';
import { AdminAuthRepo, AuditRepo, openDatabase } from '../main/db';
import { resolveDatabasePath } from '../main/paths';
import { PIN_RESET_COMMAND } from '../main/security/pin';
import type { GlobalOptions } from './context';

export const RESET_CONFIRMATION = 'RESET';

/** Asks on a terminal to type RESET; true only for exactly that answer. */
export async function askToConfirm(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  const rl = readline.createInterface({ input, output, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(
        `This clears the admin PIN and any lock-out; the next start of Presence asks for a new PIN.\nType ${RESET_CONFIRMATION} to confirm: `,
        resolve,
      );
    });
    return answer.trim() === RESET_CONFIRMATION;
  } finally {
    rl.close();
  }
}

/** Clears the PIN and the lock-out in one transaction with its audit entry (actor 'cli'). */
export function resetPin(databasePath: string): { hadPin: boolean } {
  if (!fs.existsSync(databasePath))
    throw new AppError(
      'NOT_FOUND',
      `There is no Presence database at ${databasePath}: check --db (or PRESENCE_DB). This command does not create one.`,
    );
  const db = openDatabase(databasePath);
  try {
    const auth = new AdminAuthRepo(db);
    const audit = new AuditRepo(db);
    return db
      .transaction(() => {
        const before = auth.get();
        auth.clearPin();
        audit.append({
          actor: 'cli',
          action: 'admin.pin_reset',
          details: { hadPin: before.pinHash !== null, failedAttempts: before.failedAttempts },
        });
        return { hadPin: before.pinHash !== null };
      })
      .immediate();
  } finally {
    db.close();
  }
}

export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('the admin PIN (on this computer only)');

  admin
    .command('reset-pin')
    .description('clear a forgotten admin PIN and any lock-out; Presence then asks for a new PIN as on first use')
    .option('--yes', `do not ask to type ${RESET_CONFIRMATION} (for scripts)`)
    .action(async (opts: { yes?: boolean }, cmd: Command) => {
      const databasePath = resolveDatabasePath(cmd.optsWithGlobals<GlobalOptions>().db);
      if (!opts.yes) {
        if (!process.stdin.isTTY)
          throw new AppError(
            'INVALID_INPUT',
            `Not reset: confirm by running \`${PIN_RESET_COMMAND}\` on a terminal and typing ${RESET_CONFIRMATION}, or add --yes.`,
          );
        if (!(await askToConfirm(process.stdin, process.stdout))) {
          throw new AppError('INVALID_INPUT', `Not reset: the answer was not ${RESET_CONFIRMATION}.`);
        }
      }
      const { hadPin } = resetPin(databasePath);
      console.log(
        `${hadPin ? 'The admin PIN is cleared' : 'No admin PIN was set'} and no lock-out is left (${databasePath}). ` +
          'Open Presence now (restart it if it is running) and choose a new PIN: until then anyone at the station can choose it.',
      );
    });
}
