// Vitest runs unit and integration tests in Node without the SvelteKit plugin:
// the code under test is plain TypeScript (shared, domain, storage, server),
// and the client's state managers (*.svelte.ts), whose runes the Svelte
// plugin compiles.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  // No svelte.config file: SvelteKit's settings live in vite.config.ts, and the runes need none of them.
  plugins: [svelte({ configFile: false })],
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000
  }
});
