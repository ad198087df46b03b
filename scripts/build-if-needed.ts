// Builds the SvelteKit app when build/ is missing or older than any source file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function needsBuild(): boolean {
  const out = 'build/handler.js';
  if (!existsSync(out)) return true;
  const built = statSync(out).mtimeMs;
  const sources = Math.max(newest('src'), newest('static'), statSync('vite.config.ts').mtimeMs, statSync('package-lock.json').mtimeMs);
  return sources > built;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && needsBuild()) {
  const r = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
