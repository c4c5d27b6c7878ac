// `presence audit verify`: checks the audit log's hash chain (src/main/db/audit-chain.ts) and reports
// OK with the chain head, or the first entry that was changed, removed or slipped in by hand. Local
// only, like `presence admin`: it opens the database file itself and needs no template key.
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

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit log (on this computer only)');
  audit
    .command('verify')
    .description("check that no audit entry was changed, removed or added by hand (the log's hash chain)")
    .option('--json', 'print one JSON object: ok, entries, head, brokenAt')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const databasePath = resolveDatabasePath(cmd.optsWithGlobals<GlobalOptions>().db);
      if (!fs.existsSync(databasePath))
        throw new AppError(
          'NOT_FOUND',
          `There is no Presence database at ${databasePath}: check --db (or PRESENCE_DB).`,
        );
      const db = openDatabase(databasePath);
      let status: AuditChainStatus;
      try {
        status = new AuditRepo(db).verify();
      } finally {
        db.close();
      }
      console.log(opts.json ? JSON.stringify(status) : describeAuditChain(status));
      if (!status.ok) throw new AnsweredFailure(1);
    });
}
