// Electron's own install script downloads its binary from outside the npm registry and fails the whole
// `npm install` where that download is blocked. Presence runs it here instead, and a failure only means
// the desktop shell cannot start on this machine: the CLI, `presence serve` and the tests still work.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let installScript;
try {
  installScript = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
} catch {
  process.exit(0); // production install without devDependencies: nothing to do
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('presence: ELECTRON_SKIP_BINARY_DOWNLOAD is set; the Electron desktop shell was not downloaded.');
  process.exit(0);
}
if (!existsSync(installScript)) process.exit(0);

const result = spawnSync(process.execPath, [installScript], {
  stdio: ['ignore', 'ignore', 'pipe'],
  timeout: 5 * 60_000,
});
if (result.status === 0) {
  console.log('presence: Electron desktop shell ready.');
} else {
  console.warn(
    'presence: the Electron binary could not be downloaded (no access to its download site?).\n' +
      '  The desktop app will not start here; "npx presence serve" and the tests work without it.\n' +
      '  To retry later: node node_modules/electron/install.js',
  );
}
