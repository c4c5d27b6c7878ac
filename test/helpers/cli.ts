// Runs the CLI in-process (src/cli/program.ts main) on a database and returns its exit code and what it
// printed: console.log/error lines and direct writes to stdout/stderr, in the order they came, one entry
// per line of the result.
import { vi } from 'vitest';
import { main } from '../../src/cli/program';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runPresence(
  db: string,
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const line =
    (to: string[]) =>
    (...a: unknown[]) =>
      void to.push(a.join(' '));
  const chunk = (to: string[]) => (c: string | Uint8Array) => {
    to.push(typeof c === 'string' ? c : Buffer.from(c).toString());
    return true;
  };
  for (const [k, v] of Object.entries(options.env ?? {})) vi.stubEnv(k, v);
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(line(out)),
    vi.spyOn(console, 'error').mockImplementation(line(err)),
    vi.spyOn(process.stdout, 'write').mockImplementation(chunk(out)),
    vi.spyOn(process.stderr, 'write').mockImplementation(chunk(err)),
  ];
  try {
    const code = await main(['node', 'presence', '--db', db, ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
    if (options.env) vi.unstubAllEnvs();
  }
}
