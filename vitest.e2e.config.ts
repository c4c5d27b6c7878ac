import { defineConfig } from 'vitest/config';

// Browser and Electron end-to-end tests: a real server, a real Chromium with a fake camera.
// They share one machine's two cores, so they run one file at a time.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
