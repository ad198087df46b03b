// `npm start`: build when the build is missing or older than the sources, then
// serve with demo data unless DEMO is set.
import { spawnSync } from 'node:child_process';
import { needsBuild } from './build-if-needed.ts';

if (needsBuild()) {
  const r = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
process.env.DEMO ??= '1';
await import('../server/index.ts');
