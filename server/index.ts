// Production entry: `node server/index.ts` after `vite build`.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, registerApp } from './app.ts';
import { loadConfig } from './config.ts';
import { listen, PROTO_HEADER, type NodeHandler } from './http.ts';
import { missingTuning } from './runtime-tuning.ts';

const config = loadConfig(process.env, { port: 3000, demo: false });
const handlerFile = resolve('build/handler.js');
if (!existsSync(handlerFile)) {
  console.error('Familiens Plan: no build found (build/handler.js). Run `npm run build` or `npm start`.');
  process.exit(1);
}
// SvelteKit's handler learns each request's scheme from the header http.ts sets.
process.env.PROTOCOL_HEADER = PROTO_HEADER;
const app = await createApp(config, { processMetrics: true });
registerApp(app);
const { handler } = (await import(pathToFileURL(handlerFile).href)) as { handler: NodeHandler };
const running = await listen(app, handler, config.port, config.host);
console.log(`Familiens Plan kører på ${running.url} (data: ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}${config.redisUrl ? ', Redis' : ''}${config.demo ? ', demodata' : ''})`);
app.log.info('node.listening', { port: Number(new URL(running.url).port) });
// Started without the memory settings of `npm start` / `npm run serve` (server/runtime-tuning.ts): it runs, but holds more.
const untuned = missingTuning(process.execArgv, process.env);
if (untuned.length > 0) {
  app.log.warn('node.untuned', { missing: untuned.length });
  console.warn(`Familiens Plan: startet uden ${untuned.join(' ')} (se docs/deploy.md): serveren bruger mere hukommelse.`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      }
    );
  });
}
