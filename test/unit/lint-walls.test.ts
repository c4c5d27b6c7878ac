// The walls between the parts are lint rules (eslint.config.js): a forbidden import fails `npm run lint`.
// Each case lints one line of code as if it were a file of that part, with the project's own config.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** The messages of the import-wall rules for `code` placed at `file`. */
async function wallErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('the walls between the parts', () => {
  it.each([
    ['src/main/engine/probe.ts', "import { x } from '../db';", 'The engine knows faces'],
    ['src/main/engine/probe.ts', "import { x } from '../domain/kiosk';", 'The engine knows faces'],
    ['src/main/engine/probe.ts', "import { x } from '../transport/dispatch';", 'The engine knows faces'],
    ['src/main/db/probe.ts', "import { x } from '../engine';", 'Storage knows no models'],
    ['src/main/db/probe.ts', "import { x } from '../domain/people';", 'Storage knows no models'],
    ['src/main/domain/probe.ts', "import { x } from '../transport/dispatch';", 'The domain knows no transport'],
    ['src/main/domain/probe.ts', "import { x } from '../app';", 'The domain knows no transport'],
    ['src/main/domain/probe.ts', "import { x } from '../engine/engine';", 'The domain knows no transport'],
    ['src/main/domain/probe.ts', "import { x } from 'electron';", 'The domain knows no transport'],
    ['src/main/security/probe.ts', "import { x } from '../db';", 'Security'],
    ['src/main/transport/probe.ts', "import { x } from '../db';", 'A transport reaches the app'],
    ['src/main/evaluation/probe.ts', "import { x } from '../db';", 'The evaluation runners'],
    ['src/shared/probe.ts', "import { x } from '../main/db';", 'src/shared is plain code'],
    ['src/shared/probe.ts', "import { x } from 'node:fs';", 'src/shared is plain code'],
    ['src/main/transport/probe.ts', "import { x } from '../engine/engine';", 'A transport reaches the app'],
    ['src/renderer/lib/probe.ts', "import { x } from '../../main/app';", 'The renderer has no Node'],
    ['src/cli/probe.ts', "import { x } from '../main/engine/pipeline';", 'The CLI reaches the app'],
    ['src/cli/probe.ts', "import { x } from '../main/db/people-repo';", 'The CLI reaches the app'],
    ['src/renderer/lib/probe.ts', "import { x } from '../../shared/contract';", 'Import only types from src/shared'],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await wallErrors(file, code);
    expect(errors.join('\n')).toContain(message);
  });

  it.each([
    ['src/main/domain/probe.ts', "import { x } from '../db';"],
    ['src/main/domain/probe.ts', "import type { x } from '../engine';"],
    ['src/main/domain/probe.ts', "import { x } from '../engine/quality';"],
    ['src/main/engine/probe.ts', "import { x } from '../../shared/face';"],
    ['src/shared/probe.ts', "import { x } from './limits';"],
    ['src/cli/probe.ts', "import { x } from '../main/engine';"],
    ['src/cli/probe.ts', "import { x } from '../main/engine/engine';"],
    ['src/renderer/lib/probe.ts', "import type { x } from '../../shared/contract';"],
    ['src/renderer/lib/probe.ts', "import { x } from '../../shared/local-day';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await wallErrors(file, code)).toEqual([]);
  });
});
