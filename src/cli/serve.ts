// `presence serve`: the same UI and contract over loopback HTTP + WebSocket, for a browser kiosk.
import { Option, type Command } from 'commander';
import path from 'node:path';
import { startServer } from '../main/transport/http-server';
import { createDispatcher } from '../main/transport/dispatch';
import { loadOrCreateServeToken } from '../main/serve-token';
import { openApp, parsePort, rendererDir, type GlobalOptions } from './context';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the Presence screens and API on this computer for a browser (kiosk tablet, tests)')
    .addOption(
      new Option(
        '--host <address>',
        'address to listen on; keep the default unless a kiosk on the network needs it',
      ).default('127.0.0.1'),
    )
    .addOption(
      new Option('--port <number>', 'port to listen on (0 picks a free one)').default(8420).argParser(parsePort),
    )
    .option('--new-token', 'replace the access token (the old link stops working)')
    .option('--token-file <path>', 'also write the full access link to this file (for scripts and tests)')
    .action(async (opts: { host: string; port: number; newToken?: boolean; tokenFile?: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'worker');
      const dataDir = path.dirname(app.info().databasePath);
      const { token, file } = loadOrCreateServeToken(dataDir, opts.newToken);
      const server = await startServer({
        dispatch: createDispatcher(app.handlers(), { error: (m, e) => console.error(`presence: ${m}:`, e) }),
        staticDir: rendererDir(),
        token,
        host: opts.host,
        port: opts.port,
        log: (line) => console.error(`presence: ${line}`),
      });
      const link = `${server.url}#token=${token}`;
      console.log(`Presence is serving ${app.info().databasePath}`);
      console.log(`Open this link in the kiosk browser (it contains the access token, kept in ${file}):`);
      console.log(`  ${link}`);
      if (opts.tokenFile) {
        const fs = await import('node:fs');
        fs.writeFileSync(opts.tokenFile, link + '\n', { mode: 0o600 });
      }
      // Load the models now so the first person at the kiosk is not kept waiting.
      app.startEngine().then(
        () => console.log(`Face engine ready (${app.engine.status().backend}, ${app.engine.status().encoderId}).`),
        (e: unknown) =>
          console.error(`presence: the face engine did not start: ${e instanceof Error ? e.message : String(e)}`),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await app.close();
    });
}
