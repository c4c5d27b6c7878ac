// The token that `presence serve` requires: random, kept in a 0600 file in the data folder so a kiosk
// tablet's bookmark keeps working across restarts, and replaced with --new-token when it leaked.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TOKEN_FILE = 'serve-token';

export function loadOrCreateServeToken(
  dataDir: string,
  renew = false,
): { token: string; file: string; created: boolean } {
  const file = path.join(dataDir, TOKEN_FILE);
  if (!renew && fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32,}$/.test(token)) {
      if (process.platform !== 'win32') fs.chmodSync(file, 0o600);
      return { token, file, created: false };
    }
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600);
  return { token, file, created: true };
}
