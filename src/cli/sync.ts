// `presence sync`: one round with the organisation's hub; `--status` shows the last one; `sync join`
// joins this station with a code from `presence hub add-station`.
import type { Command } from 'commander';
import { openApp, type GlobalOptions } from './context';
import type { SyncStatus } from '../main/sync/station';

function describeStatus(s: SyncStatus): string[] {
  if (!s.joined) return ['This station has not joined a hub (presence sync join --url ... --code ...).'];
  return [
    `Station ${s.stationName} (${s.stationId}) syncs with ${s.hub}, joined ${s.joinedAt}.`,
    `Last sync: ${s.lastSyncAt ?? 'never'}. Pending changes: ${s.pending}.`,
    ...(s.waiting
      ? [
          `Received but not applied: ${s.waiting} (the first because ${s.waitingProblem}); they are tried again at every sync.`,
        ]
      : []),
    s.lastError ? `Last error (${s.lastError.at}): ${s.lastError.code}: ${s.lastError.message}` : 'Last error: none.',
  ];
}

export function registerSync(program: Command): void {
  const sync = program
    .command('sync')
    .description("sync this station with the organisation's hub once (or --status)")
    .option('--status', 'show the last sync, pending changes and the last error, without syncing')
    .option('--json', 'print one JSON object')
    .action(async (opts: { status?: boolean; json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        if (opts.status) {
          const s = app.sync.status();
          if (opts.json) console.log(JSON.stringify(s));
          else for (const line of describeStatus(s)) console.log(line);
          return;
        }
        const r = await app.syncNow();
        if (opts.json) console.log(JSON.stringify(r));
        else
          console.log(
            `Synced: ${r.pushed} changes sent, ${r.pulled} received (${r.applied} applied${r.deferred ? `, ${r.deferred} waiting for what they refer to` : ''}); ${r.pending} pending.`,
          );
      } finally {
        await app.close();
      }
    });

  sync
    .command('join')
    .description('join the hub with a one-time code from presence hub add-station')
    .requiredOption('--url <url>', 'postgres://HOST:5432/DATABASE (credentials come from the code)')
    .requiredOption('--code <code>', 'the join code (PJ1-...)')
    .action(async (opts: { url: string; code: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const joined = await app.sync.join(opts.url, opts.code);
        console.log(
          `This station joined the hub as ${joined.stationName}. Everything here is sent at the first sync: presence sync.`,
        );
      } finally {
        await app.close();
      }
    });
}
