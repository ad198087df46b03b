// A stored update Yjs cannot replay (the bench's fuzz once got one into a room's
// log: it applied to the live document without an error, and the next rebuild
// of the room from the store threw and ended the process) costs only its own
// content: the room opens with every other edit, the server lives on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { appendOne, barrier, openTestStore, TestServer } from './helpers.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fp-unreadable-'));
let server: TestServer | null = null;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a stored update that cannot be replayed', () => {
  it('is skipped when the room is rebuilt; the room and the process stay', async () => {
    server = await TestServer.start({ dataDir });
    const anna = await server.login('anna');
    const room = roomName(server.family('gel-02'), 'plan');
    const first = server.provider(room, anna);
    await first.synced();
    first.doc.getMap('checks').set('before', 'kept');
    expect(await barrier(first.ws())).toBe(true);
    first.destroy();
    await server.stop({ keepData: true });

    // Written behind the relay's back, as if an earlier hostile client had got it stored:
    // a struct section that claims more structs than it holds (Yjs throws reading it).
    const broken = new Uint8Array([1, 200, 1, 7, 0, 40, 1, 9, 9, 9]);
    expect(() => Y.applyUpdate(new Y.Doc(), broken)).toThrow();
    const store = await openTestStore(dataDir);
    try {
      await appendOne(store, room, 'u-anna', new Date().toISOString(), broken);
    } finally {
      await store.close();
    }

    server = await TestServer.start({ dataDir });
    const again = server.provider(room, await server.login('anna'));
    await again.synced();
    expect(again.doc.getMap('checks').get('before')).toBe('kept');
    again.doc.getMap('checks').set('after', 'also kept');
    expect(await barrier(again.ws())).toBe(true);
    again.destroy();
    // The process is still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
