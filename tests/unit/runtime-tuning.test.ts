// The server's memory settings (server/runtime-tuning.ts) are what `npm start` and `npm run serve` start it with.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingTuning, SERVER_ENV, SERVER_NODE_FLAGS } from '../../server/runtime-tuning.ts';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('runtime tuning', () => {
  it.each(['start', 'serve'])('npm run %s starts node with every flag and variable', (name) => {
    const words = scripts[name].split(/\s+/);
    const node = words.indexOf('node');
    expect(node).toBeGreaterThan(-1);
    for (const [k, v] of Object.entries(SERVER_ENV)) expect(words.slice(0, node)).toContain(`${k}=${v}`);
    for (const f of SERVER_NODE_FLAGS) expect(words.slice(node + 1, node + 1 + SERVER_NODE_FLAGS.length)).toContain(f);
  });

  it('says what a process started otherwise lacks', () => {
    expect(missingTuning([...SERVER_NODE_FLAGS], { ...SERVER_ENV })).toEqual([]);
    expect(missingTuning([], { NODE_OPTIONS: SERVER_NODE_FLAGS.join(' '), ...SERVER_ENV })).toEqual([]);
    expect(missingTuning([], {})).toEqual([...SERVER_NODE_FLAGS, ...Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`)]);
  });
});
