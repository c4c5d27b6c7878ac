// `presence hub init | add-station | status | revoke-station`: the administrator's side of sync. The hub
// is a PostgreSQL database the organisation runs (README, "Several stations"); `init` is given its URL
// (a role that may create roles, e.g. the database's owner with CREATEROLE) and keeps it, with the
// organisation key, sealed in this machine's database for the other hub commands.
import type { Command } from 'commander';
import { AppError } from '../shared/errors';
import { addStation, hubStatus, initHub, revokeStation } from '../main/sync/hub-admin';
import { checkHubUrl, describeHub } from '../main/sync/hub-connection';
import { orgKeyFromRecoveryCode } from '../main/sync/org-key';
import { openApp, type GlobalOptions } from './context';

function adminOf(app: ReturnType<typeof openApp>): { url: string; orgKey: Buffer } {
  const admin = app.store.hubAdmin.get();
  if (!admin)
    throw new AppError(
      'SYNC_NOT_JOINED',
      'No hub was set up from this database: run presence hub init --url postgres://... here first (or pass --url and --recovery-code).',
    );
  return admin;
}

export function registerHub(program: Command): void {
  const hub = program.command('hub').description("set up and look after the organisation's sync hub (PostgreSQL)");

  hub
    .command('init')
    .description('create the hub schema and the organisation key in a PostgreSQL database')
    .requiredOption('--url <url>', 'postgres://USER:PASSWORD@HOST:5432/DATABASE (add ?sslmode=verify-full for TLS)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { url: string; json?: boolean }, cmd: Command) => {
      const url = checkHubUrl(opts.url);
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const r = await initHub(url, (orgKey) => app.store.hubAdmin.set(url, orgKey, new Date().toISOString()));
        if ('existing' in r) {
          if (!app.store.hubAdmin.get())
            throw new AppError(
              'CONFLICT',
              `${describeHub(url)} has an organisation key already (its schema is at version ${r.schema.to}). To look after it from this machine, run presence hub add-station with --url and --recovery-code.`,
            );
          if (opts.json) console.log(JSON.stringify({ hub: describeHub(url), schema: r.schema, existing: true }));
          else console.log(`${describeHub(url)} is a Presence hub already; its schema is at version ${r.schema.to}.`);
          return;
        }
        if (opts.json)
          console.log(JSON.stringify({ hub: describeHub(url), schema: r.schema, recoveryCode: r.recoveryCode }));
        else {
          console.log(`The hub is ready at ${describeHub(url)} (schema version ${r.schema.to}).`);
          console.log('');
          console.log('Organisation recovery code (shown once: write it down and keep it somewhere safe):');
          console.log(`  ${r.recoveryCode}`);
          console.log('');
          console.log(
            'Without it, a lost administrator machine means a new hub. Next: presence hub add-station NAME for each station.',
          );
        }
      } finally {
        await app.close();
      }
    });

  hub
    .command('add-station')
    .description('register a station and print its one-time join code')
    .argument('<name>', 'the station, as people know it ("Front door")')
    .option('--url <url>', "the hub's admin URL, when this machine did not run hub init")
    .option('--recovery-code <code>', 'the organisation recovery code, with --url')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { url?: string; recoveryCode?: string; json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const admin =
          opts.url !== undefined || opts.recoveryCode !== undefined
            ? {
                url: checkHubUrl(opts.url ?? ''),
                orgKey: orgKeyFromRecoveryCode(
                  opts.recoveryCode ??
                    (() => {
                      throw new AppError('INVALID_INPUT', '--url needs --recovery-code (and the other way round).');
                    })(),
                ),
              }
            : adminOf(app);
        const st = await addStation(admin.url, admin.orgKey, name);
        if (opts.json) console.log(JSON.stringify(st));
        else {
          console.log(`Station ${st.name} is registered. Its join code (works once):`);
          console.log(`  ${st.joinCode}`);
          console.log(
            `At that station: presence sync join --url '${describeHub(admin.url).replace(/\/\/[^@/]*@/, '//')}' --code ${st.joinCode}`,
          );
        }
      } finally {
        await app.close();
      }
    });

  hub
    .command('status')
    .description('list the stations: last sync, pending changes, schema version')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const s = await hubStatus(adminOf(app).url);
        if (opts.json) {
          console.log(JSON.stringify(s));
          return;
        }
        console.log(
          `Hub ${s.hub}: schema version ${s.schemaVersion}, ${s.records} records, ${(s.bytes / 1e6).toFixed(1)} MB`,
        );
        if (!s.stations.length) console.log('No stations yet: presence hub add-station NAME.');
        for (const st of s.stations) {
          const state = st.revokedAt
            ? `revoked ${st.revokedAt}`
            : !st.joinedAt
              ? 'not joined yet'
              : st.lastSyncAt
                ? `last sync ${st.lastSyncAt}, ${st.pending ?? 0} pending, schema ${st.schemaVersion ?? '?'}`
                : 'joined, never synced';
          console.log(`  ${st.name}: ${state}`);
        }
      } finally {
        await app.close();
      }
    });

  hub
    .command('revoke-station')
    .description('stop a station from syncing (its records stay on the hub)')
    .argument('<name>', 'the station')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const done = await revokeStation(adminOf(app).url, name);
        console.log(`Station ${done} is revoked: it can no longer sync.`);
      } finally {
        await app.close();
      }
    });
}
