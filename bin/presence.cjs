#!/usr/bin/env node
// The `presence` command: runs the built CLI bundle (npm install builds it; so does `npm run build`).
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'cli', 'index.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('presence: the command is not built yet. Run "npm run build" in the Presence folder first.\n');
  process.exit(1);
}
require(bundle);
