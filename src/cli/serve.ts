// `presence serve`: the same UI and contract over loopback HTTP + WebSocket, for a browser kiosk.
import { InvalidArgumentError, Option, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { AppError } from '../shared/errors';
import { startServer } from '../main/transport/http-server';
import { createDispatcher } from '../main/transport/dispatch';
import { loadOrCreateServeToken } from '../main/serve-token';
import { healthLog, startHealthSampler } from '../main/health';
import { describeAuditChain } from './audit';
import { existingPath, openApp, parsePort, rendererDir, type GlobalOptions } from './context';

/** The certificate and key for https, read and checked before anything else starts. */
function readTls(certFile?: string, keyFile?: string): { cert: Buffer; key: Buffer } | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new AppError('INVALID_INPUT', 'https needs both --tls-cert and --tls-key (PEM files).');
  const tls = { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
  try {
    // Node checks that the two belong together only once a client connects: check now, and say what is wrong.
    createSecureContext(tls);
  } catch {
    throw new AppError(
      'INVALID_INPUT',
      `${certFile} and ${keyFile} are not a PEM certificate and its own private key: see README ("https for kiosk tablets").`,
    );
  }
  return tls;
}

/** Seconds between health samples: any positive number up to a day. */
function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw new InvalidArgumentError('expected a number of seconds, more than 0 and at most 86400.');
  return n;
}

/** Opened before anything starts, so a health log that cannot be written is said at once. */
function openHealthLog(file: string): ReturnType<typeof healthLog> {
  const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
  try {
    return healthLog(file, (e) => console.error(`presence: could not write to the health log ${file}: ${why(e)}`));
  } catch (e) {
    throw new AppError('INVALID_INPUT', `--health-log ${file} cannot be written: ${why(e)}`);
  }
}

interface ServeOptions {
  host: string;
  port: number;
  newToken?: boolean;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  healthLog?: string;
  healthEvery: number;
}

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
    .addOption(
      new Option('--tls-cert <file>', 'serve https with this PEM certificate (kiosk tablets on the network)').argParser(
        existingPath('file'),
      ),
    )
    .addOption(new Option('--tls-key <file>', "the certificate's PEM private key").argParser(existingPath('file')))
    .option(
      '--health-log <file>',
      'append one JSON line of memory, face-engine tensors, open handles, event-loop delay and database size to this file every --health-every seconds',
    )
    .addOption(
      new Option('--health-every <seconds>', 'seconds between two --health-log lines')
        .default(60)
        .argParser(parseSeconds),
    )
    .action(async (opts: ServeOptions, cmd: Command) => {
      const tls = readTls(opts.tlsCert, opts.tlsKey);
      if (!opts.healthLog && cmd.getOptionValueSource('healthEvery') === 'cli')
        throw new AppError(
          'INVALID_INPUT',
          '--health-every sets how often --health-log writes: give --health-log FILE too.',
        );
      const health = opts.healthLog ? openHealthLog(opts.healthLog) : null;
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'worker');
      const dataDir = path.dirname(app.info().databasePath);
      const { token, file } = loadOrCreateServeToken(dataDir, opts.newToken);
      const server = await startServer({
        dispatch: createDispatcher(app.handlers(), { error: (m, e) => console.error(`presence: ${m}:`, e) }),
        staticDir: rendererDir(),
        token,
        host: opts.host,
        port: opts.port,
        tls,
        log: (line) => console.error(`presence: ${line}`),
      });
      const link = `${server.url}#token=${token}`;
      console.log(`Presence is serving ${app.info().databasePath}`);
      if (app.auditChain.ok) console.log(describeAuditChain(app.auditChain));
      else console.error(`presence: ${describeAuditChain(app.auditChain)}`);
      console.log(`Open this link in the kiosk browser (it contains the access token, kept in ${file}):`);
      console.log(`  ${link}`);
      if (opts.tokenFile) {
        const fs = await import('node:fs');
        fs.writeFileSync(opts.tokenFile, link + '\n', { mode: 0o600 });
      }
      const sampler =
        health &&
        startHealthSampler({
          everyMs: opts.healthEvery * 1000,
          databasePath: app.info().databasePath,
          engineStatus: () => app.engine.status(),
          onSample: health.write,
        });
      app.startBackgroundWork();
      // Load the models now so the first person at the kiosk is not kept waiting.
      app.startEngine().then(
        () => {
          console.log(`Face engine ready (${app.engine.status().backend}, ${app.engine.status().encoderId}).`);
          const g = app.gallery();
          if (g?.reembedded) console.log(`Re-embedded ${g.reembedded} face template(s) from their face chips.`);
          if (g?.withoutChips)
            console.log(
              `${g.withoutChips} people were enrolled with an older face model and have no stored face chip: re-enroll them to move to ${g.defaultEncoder}.`,
            );
        },
        (e: unknown) =>
          console.error(`presence: the face engine did not start: ${e instanceof Error ? e.message : String(e)}`),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      sampler?.stop();
      health?.close();
      await server.close();
      await app.close();
    });
}
