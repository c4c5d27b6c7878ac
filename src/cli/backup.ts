// `presence backup --out FILE` and `presence restore FILE`: an encrypted copy of the database with its
// template key inside, opened only by its passphrase (main/domain/backup.ts, main/security/backup-file.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../shared/errors';
import { resolveDatabasePath } from '../main/paths';
import { checkPassphrase, restoreBackup, type RestoreSummary } from '../main/domain/backup';
import { derivePassphraseKey } from '../main/security/backup-file';
import { keyFilePathFor, sealedKeyPathFor } from '../main/security/key-provider';
import { describeAuditChain } from './audit';
import { openApp, type GlobalOptions } from './context';

export const PASSPHRASE_ENV = 'PRESENCE_BACKUP_PASSPHRASE';

interface PassphraseOptions {
  passphraseFile?: string;
}

/** Reads a line on the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new AppError('INVALID_INPUT', 'Cancelled: no passphrase was given.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The passphrase from --passphrase-file, else $PRESENCE_BACKUP_PASSPHRASE, else asked on the terminal
 * (twice when `confirm`: a typing mistake would make the backup impossible to open).
 */
async function readPassphrase(opts: PassphraseOptions, confirm: boolean): Promise<string> {
  if (opts.passphraseFile) {
    const file = path.resolve(opts.passphraseFile);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new AppError('NOT_FOUND', `The passphrase file ${file} cannot be read: check the --passphrase-file path.`);
    }
    if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0)
      process.stderr.write(
        `presence: warning: other users may read the passphrase file ${file}; run \`chmod 600 "${file}"\`.\n`,
      );
    // One line, as an editor or `echo` writes it: the line break is not part of the passphrase.
    return text.replace(/\r?\n$/, '');
  }
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY)
    throw new AppError(
      'INVALID_INPUT',
      `Give the backup passphrase with --passphrase-file FILE or the ${PASSPHRASE_ENV} environment variable: there is no terminal to ask it on.`,
    );
  const first = await askHidden('Backup passphrase: ');
  if (confirm) {
    checkPassphrase(first);
    const again = await askHidden('The same passphrase again: ');
    if (again !== first)
      throw new AppError('INVALID_INPUT', 'The two passphrases differ: nothing was written. Try again.');
  }
  return first;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

export function describeRestore(s: RestoreSummary): string[] {
  const lines = [
    `Restored the backup made ${s.backupAt} into ${s.databasePath}.`,
    `  people: ${s.people}; face templates: ${s.templates}${
      s.templates === s.templatesReadable
        ? ' (all open with the key from the backup)'
        : ` (${s.templates - s.templatesReadable} do not open)`
    }`,
    `  ${describeAuditChain(s.auditLog)}`,
    `  template key: ${s.keyFile} (readable by you only)`,
  ];
  if (s.setAside.length > 0) lines.push(`  the database that was there is kept as: ${s.setAside.join(', ')}`);
  return lines;
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description(
      'write an encrypted backup of the database (a consistent copy, made while Presence runs) with its template key inside; only the passphrase opens it',
    )
    .requiredOption('--out <file>', 'the backup file to write (it must not exist yet)')
    .option('--passphrase-file <file>', `read the passphrase from this file (else $${PASSPHRASE_ENV}, else asked)`)
    .action(async (opts: PassphraseOptions & { out: string }, cmd: Command) => {
      const databasePath = resolveDatabasePath(cmd.optsWithGlobals<GlobalOptions>().db);
      if (!fs.existsSync(databasePath))
        throw new AppError(
          'NOT_FOUND',
          `There is no Presence database at ${databasePath}: check --db (or PRESENCE_DB).`,
        );
      if (!fs.existsSync(keyFilePathFor(databasePath)) && fs.existsSync(sealedKeyPathFor(databasePath)))
        throw new AppError(
          'KEY_MISSING',
          `This database was set up by the Presence desktop app: its template key is sealed by the operating system's key store, which the command line cannot open, and a backup without it could not be read. Make the backup from the desktop app instead (Privacy > Backups: "Back up now", or a schedule).`,
        );
      const out = path.resolve(opts.out);
      if (fs.existsSync(out))
        throw new AppError(
          'CONFLICT',
          `There is already a file at ${out}. Choose another name, or move that file away: a backup never replaces a file.`,
        );
      if (!fs.existsSync(path.dirname(out)))
        throw new AppError('NOT_FOUND', `There is no folder ${path.dirname(out)} to write the backup into.`);
      const passphrase = await readPassphrase(opts, true);
      checkPassphrase(passphrase);
      const key = await derivePassphraseKey(passphrase);
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const r = await app.backups.backupToFile(out, key, 'cli');
        console.log(`Backup written: ${r.file} (${megabytes(r.bytes)}, ${r.at}).`);
        console.log(
          'Keep the passphrase safe, apart from the backup: without it nobody can open the backup. Restore with `presence restore FILE`.',
        );
      } finally {
        await app.close();
      }
    });

  program
    .command('restore')
    .description(
      'restore an encrypted backup into the database (--db, or the default one); the files that were there are kept aside',
    )
    .argument('<file>', 'the backup file')
    .option('--passphrase-file <file>', `read the passphrase from this file (else $${PASSPHRASE_ENV}, else asked)`)
    .option('--force', 'replace the database that is there (its files are renamed aside, never deleted)')
    .action(async (file: string, opts: PassphraseOptions & { force?: boolean }, cmd: Command) => {
      const databasePath = resolveDatabasePath(cmd.optsWithGlobals<GlobalOptions>().db);
      const passphrase = await readPassphrase(opts, false);
      const summary = await restoreBackup({ file, passphrase, databasePath, force: opts.force ?? false });
      for (const line of describeRestore(summary)) console.log(line);
      if (!summary.auditLog.ok)
        process.stderr.write(
          'presence: the restored audit log does not verify: the backup was made of a database whose log had been altered.\n',
        );
    });
}
