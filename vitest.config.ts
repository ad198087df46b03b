// Vitest runs unit and integration tests in Node without the SvelteKit plugin:
// the code under test is plain TypeScript (shared, domain, storage, server).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000
  }
});
