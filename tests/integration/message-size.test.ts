// Over-limit input gets a clear close code (DESIGN §7): a 10 MB frame closes
// its socket with 4413; the room, its other clients and the store are unharmed.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_TOO_LARGE } from '../../src/lib/shared/protocol.ts';
import { barrier, closeCode, TestServer, updateMessage, waitFor, latestSeq } from './helpers.ts';
import { withWriters } from './fixtures-writers.ts';

let server: TestServer;
let anna: string;
let bo: string;
let room: string;

withWriters({ users: ['anna', 'bo'] }, (w) => ({ server, room, cookies: [anna, bo] } = w));

describe('message size', () => {
  it('closes a socket that sends a 10 MB frame with 4413', async () => {
    const witness = server.provider(room, bo);
    await witness.synced();
    const seq = (await latestSeq(server.app.store, room));

    const ws = await server.raw(room, anna);
    const closed = closeCode(ws);
    ws.on('error', () => {}); // the relay may reset the socket while the frame is still being written
    // A real sync update, made 10 MB large by its content.
    const big = new Y.Doc();
    big.getText('huge').insert(0, 'x'.repeat(10 * 1024 * 1024));
    const frame = updateMessage(Y.encodeStateAsUpdate(big));
    expect(frame.byteLength).toBeGreaterThan(10 * 1024 * 1024);
    ws.send(frame);
    expect(await closed).toBe(CLOSE_TOO_LARGE);

    expect((await latestSeq(server.app.store, room))).toBe(seq);
    expect(witness.doc.getText('huge').length).toBe(0);
    expect(witness.closes).toEqual([]);
    expect(await barrier(witness.ws())).toBe(true);
  });

  it('closes a 10 MB frame of junk with 4413 as well, and anna can reconnect and write', async () => {
    const ws = await server.raw(room, anna);
    const closed = closeCode(ws);
    ws.on('error', () => {});
    ws.send(Buffer.alloc(10 * 1024 * 1024, 7));
    expect(await closed).toBe(CLOSE_TOO_LARGE);

    const a = server.provider(room, anna);
    const b = server.provider(room, bo);
    await Promise.all([a.synced(), b.synced()]);
    a.doc.getMap('size-test').set('after', 'ok');
    await waitFor(() => b.doc.getMap('size-test').get('after') === 'ok', 5000, 'an edit after the refusal');
  });

  it('accepts a large frame under the limit', async () => {
    const ws = await server.raw(room, anna);
    const seq = (await latestSeq(server.app.store, room));
    const doc = new Y.Doc();
    doc.getText('large').insert(0, 'y'.repeat(1024 * 1024));
    ws.send(updateMessage(Y.encodeStateAsUpdate(doc)));
    expect(await barrier(ws)).toBe(true);
    expect((await latestSeq(server.app.store, room))).toBe(seq + 1);
  });
});
