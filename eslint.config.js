import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'models/', 'test-output/', 'coverage/', 'bench/.build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  prettier,
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The bin shim is CommonJS so it runs on any Node without a loader.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,svelte}', 'test/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  // The walls between the parts (docs/ARCHITECTURE.md, "The parts"). Each part lists what it may not
  // import; test/unit/lint-walls.test.ts shows that a forbidden import fails lint.
  ...walls([
    {
      part: 'src/shared',
      forbid: ['../*', '../**', 'electron', 'node:*', 'better-sqlite3', '@tensorflow/*', 'sharp'],
      message: 'src/shared is plain code both sides share: it imports nothing of the project outside itself.',
    },
    {
      part: 'src/main/engine',
      forbid: layers('db', 'domain', 'transport', 'security', 'evaluation', 'app', 'cli', 'renderer'),
      message: 'The engine knows faces, not people: it imports no database, domain, transport or app code.',
    },
    {
      part: 'src/main/db',
      forbid: layers('engine', 'domain', 'transport', 'evaluation', 'app', 'cli', 'renderer'),
      message: 'Storage knows no models and no rules: it imports neither the engine nor the domain.',
    },
    {
      part: 'src/main/security',
      forbid: layers('db', 'domain', 'engine', 'transport', 'evaluation', 'app', 'cli', 'renderer'),
      message: 'Security (keys, PIN hashing, the template cipher) stands on its own.',
    },
    {
      part: 'src/main/domain',
      forbid: [
        ...layers('transport', 'evaluation', 'app', 'cli', 'renderer'),
        'electron',
        // The engine through its barrel (types, the worker client) and its pure limits only: never TF.js.
        '**/engine/*',
        '!**/engine/quality',
        '!**/engine/tracker',
      ],
      message:
        'The domain knows no transport (the dispatcher calls it, not the other way round), and the engine only through its barrel and pure limits.',
    },
    {
      part: 'src/main/evaluation',
      forbid: layers('db', 'transport', 'app', 'cli', 'renderer'),
      message: 'The evaluation runners measure the engine and the domain on files: no database, no transport.',
    },
    {
      part: 'src/main/training',
      forbid: [
        ...layers('db', 'domain', 'transport', 'security', 'app', 'cli', 'renderer'),
        'electron',
        // The engine through its barrel only (types: the caller hands in a running engine).
        '**/engine/*',
        '!**/engine/index',
      ],
      message:
        'Training learns from embeddings: it reaches the engine only through its barrel, and imports no database, domain, transport or app code.',
    },
    {
      part: 'src/main/sync',
      forbid: [
        ...layers('engine', 'domain', 'transport', 'evaluation', 'training', 'app', 'cli', 'renderer'),
        'electron',
      ],
      message:
        'Sync moves records between the database and the hub: it knows storage and security, not faces, rules or transports.',
    },
    {
      part: 'src/cli',
      forbid: [
        '**/main/engine/*',
        '!**/main/engine/engine',
        '**/main/db/*',
        '**/main/domain/matcher',
        '**/renderer/**',
      ],
      message:
        'The CLI reaches the app through its services (main/app.ts), the engine through its barrel (or engine/engine to run it in-process), the database through its barrel.',
    },
    {
      part: 'src/main/transport',
      forbid: [...layers('engine', 'db', 'evaluation', 'cli', 'renderer')],
      message: 'A transport reaches the app only through the handlers of the composition root (app.ts).',
    },
  ]),
  {
    // The renderer has no Node and imports only types from src/shared; the values it may import are
    // dependency-free: the wire codec the web transport shares with the server, the size limits and the
    // station-local day.
    files: ['src/renderer/**/*.{ts,svelte}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/cli/**', 'electron', 'node:*'],
              message: 'The renderer has no Node: talk to main through the api client.',
            },
            {
              group: ['**/shared/*', '!**/shared/wire', '!**/shared/limits', '!**/shared/local-day'],
              allowTypeImports: true,
              message: 'Import only types from src/shared.',
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
    },
  },
);

/** Import patterns for the named parts of src/main (and src/cli, src/renderer), from anywhere in src. */
function layers(...names) {
  return names.flatMap((n) =>
    n === 'app' ? ['**/main/app', '../app', './app'] : [`**/${n}`, `**/${n}/**`, `**/main/${n}/**`],
  );
}

/** One no-restricted-imports rule set per part of the architecture. */
function walls(parts) {
  return parts.map(({ part, forbid, message }) => ({
    files: [`${part}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: forbid, message }] }],
    },
  }));
}
