// `presence audit verify`: checks the audit log's hash chain (src/main/db/audit-chain.ts) and reports
// OK with the chain head, or the first entry that was changed, removed or slipped in by hand. With
// `--head HASH` (a head printed earlier, e.g. in an attendance export) it also says whether the chain
// still holds that head, and after how many entries: if not, entries up to it were changed or cut off.
// Local only, like `presence admin`: it opens the database file itself and needs no template key.
import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../shared/errors';
import { AuditRepo, openDatabase } from '../main/db';
import type { AuditLogStatus as AuditChainStatus } from '../shared/types';
import { resolveDatabasePath } from '../main/paths';
import { AnsweredFailure, type GlobalOptions } from './context';

/** The sentence for a chain check, the same in `presence audit verify` and `presence serve`. */
export function describeAuditChain(status: AuditChainStatus): string {
  return status.ok
    ? `Audit log OK: ${status.entries} entries, chain head ${status.head}.`
    : `WARNING: the audit log was altered outside Presence. Its hash chain breaks at entry #${status.brokenAt!.seq} ` +
        `(${status.brokenAt!.at}): that entry or one before it was changed, removed or added by hand. ` +
        'Keep this database file as evidence and compare it with a backup.';
}

/** Where the chain holds a head given with `--head` (audit-chain.ts findHead), or null. */
type ChainPosition = ReturnType<AuditRepo['findHead']>;

/** The sentence for `--head`: where the chain holds that head, or that it does not. */
export function describeHeadCheck(head: string, at: ChainPosition, status: AuditChainStatus): string {
  if (at === null)
    return (
      `Head ${head} NOT found in the audit log: an entry up to it was changed or removed after the head was ` +
      'taken, or the head comes from another database.'
    );
  if (at.seq === null) return `Head ${head} is that of an empty audit log (0 entries): it proves nothing.`;
  return (
    `Head ${head} found: it is the chain head after ${at.entries} entries (entry #${at.seq}, ${at.at}), so ` +
    (status.ok
      ? 'none of the entries up to it was changed or removed since.'
      : 'the entries up to it are unchanged; the break comes after them.')
  );
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log (on this computer only)');
  audit
    .command('verify')
    .description("check that no audit entry was changed, removed or added by hand (the log's hash chain)")
    .option(
      '--head <hash>',
      'also check that the chain still holds this head (printed in an attendance export); exit 1 if not',
    )
    .option('--json', 'print one JSON object: ok, entries, head, brokenAt (and headAt with --head)')
    .action((opts: { json?: boolean; head?: string }, cmd: Command) => {
      const head = opts.head?.trim().toLowerCase();
      if (head !== undefined && !/^[0-9a-f]{64}$/.test(head))
        throw new AppError(
          'INVALID_INPUT',
          '--head takes a chain head: the 64 hexadecimal digits printed by `presence audit verify` or in an export.',
        );
      const databasePath = resolveDatabasePath(cmd.optsWithGlobals<GlobalOptions>().db);
      if (!fs.existsSync(databasePath))
        throw new AppError(
          'NOT_FOUND',
          `There is no Presence database at ${databasePath}: check --db (or PRESENCE_DB).`,
        );
      const db = openDatabase(databasePath);
      let status: AuditChainStatus;
      let headAt: ChainPosition = null;
      try {
        const repo = new AuditRepo(db);
        status = repo.verify();
        if (head !== undefined) headAt = repo.findHead(head);
      } finally {
        db.close();
      }
      if (opts.json) console.log(JSON.stringify(head === undefined ? status : { ...status, headAt }));
      else {
        console.log(describeAuditChain(status));
        if (head !== undefined) console.log(describeHeadCheck(head, headAt, status));
      }
      if (!status.ok || (head !== undefined && headAt === null)) throw new AnsweredFailure(1);
    });
}
