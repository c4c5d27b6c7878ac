// Where Presence keeps its data when no path is given: the same folder Electron's app.getPath('userData')
// uses for an app called "Presence", so the desktop app, `presence serve` and the CLI share one database.
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'Presence';
export const DATABASE_FILE = 'presence.db';

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.PRESENCE_DATA_DIR) return path.resolve(env.PRESENCE_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

/** --db wins, then PRESENCE_DB, then the data folder's presence.db. */
export function resolveDatabasePath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.PRESENCE_DB) return path.resolve(env.PRESENCE_DB);
  return path.join(defaultDataDir(env), DATABASE_FILE);
}
