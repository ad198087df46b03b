// Awareness identity is the relay's (DESIGN §7): whatever `user` a client
// announces, the others see the session's real user; a client cannot speak
// for another client's id either.
import { describe, expect, it } from 'vitest';
import { awarenessMessage, barrier, TestServer, waitFor } from './helpers.ts';
import { withWriters } from './fixtures-writers.ts';

let server: TestServer;
let anna: string;
let bo: string;
let cecilie: string;
let room: string;

const ANNA = { id: 'u-anna', name: 'Anna Holm', sector: 'social' };
const BO = { id: 'u-bo', name: 'Bo Lindqvist', sector: 'school' };

withWriters({ users: ['anna', 'bo', 'cecilie'] }, (w) => ({ server, room, cookies: [anna, bo, cecilie] } = w));

describe('awareness', () => {
  it('others see the session’s user, not the name a client sets', async () => {
    const a = server.provider(room, anna);
    const b = server.provider(room, bo);
    await Promise.all([a.synced(), b.synced()]);
    b.provider.awareness.setLocalState({ user: { id: 'u-anna', name: 'Someone else', sector: 'social' }, cursor: { anchor: 3 } });
    await waitFor(() => (a.provider.awareness.getStates().get(b.doc.clientID) as { cursor?: unknown } | undefined)?.cursor !== undefined, 5000, 'bo’s state at anna');
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: BO, cursor: { anchor: 3 } });

    // A state without `user` gets one too; a later change cannot switch identity.
    b.provider.awareness.setLocalState({ user: { name: 'Anna Holm' }, typing: true });
    await waitFor(() => (a.provider.awareness.getStates().get(b.doc.clientID) as { typing?: boolean } | undefined)?.typing === true, 5000, 'bo’s second state');
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: BO, typing: true });
  });

  it('a raw client cannot overwrite another client’s state or add non-object states', async () => {
    const a = server.provider(room, anna);
    const c = server.provider(room, cecilie);
    await Promise.all([a.synced(), c.synced()]);
    a.provider.awareness.setLocalStateField('cursor', { anchor: 1 });
    await waitFor(() => c.provider.awareness.getStates().get(a.doc.clientID) !== undefined, 5000, 'anna’s state at cecilie');
    const annaAtC = () => c.provider.awareness.getStates().get(a.doc.clientID);
    expect(annaAtC()).toMatchObject({ user: ANNA });

    const ws = await server.raw(room, bo);
    const annaClock = a.provider.awareness.meta.get(a.doc.clientID)?.clock ?? 0;
    ws.send(
      awarenessMessage([
        { clientId: a.doc.clientID, clock: annaClock + 10, state: { user: { name: 'Anna Holm' }, cursor: { anchor: 999 } } }, // someone else's id
        { clientId: 424242, clock: 1, state: 'not an object' },
        { clientId: 434343, clock: 1, state: [1, 2, 3] },
        { clientId: 525252, clock: 1, state: { user: { id: 'u-anna', name: 'Anna Holm', sector: 'social' }, cursor: { anchor: 5 } } }
      ])
    );
    expect(await barrier(ws)).toBe(true);
    await waitFor(() => c.provider.awareness.getStates().has(525252), 5000, 'bo’s own new client id at cecilie');
    expect(await barrier(c.ws())).toBe(true);

    expect(annaAtC()).toEqual({ user: ANNA, cursor: { anchor: 1 } });
    expect(a.provider.awareness.getLocalState()).toEqual({ cursor: { anchor: 1 } });
    expect(c.provider.awareness.getStates().has(424242)).toBe(false);
    expect(c.provider.awareness.getStates().has(434343)).toBe(false);
    expect(c.provider.awareness.getStates().get(525252)).toEqual({ user: BO, cursor: { anchor: 5 } });

    // A removal (null state) of another client's id is ignored as well.
    ws.send(awarenessMessage([{ clientId: a.doc.clientID, clock: annaClock + 20, state: null }]));
    expect(await barrier(ws)).toBe(true);
    expect(await barrier(c.ws())).toBe(true);
    expect(annaAtC()).toEqual({ user: ANNA, cursor: { anchor: 1 } });

    // Bo's own entries go when his socket closes.
    ws.close();
    await waitFor(() => !c.provider.awareness.getStates().has(525252), 5000, 'bo’s state to be removed');
  });

  it('a late joiner gets the stamped states of those already present', async () => {
    const b = server.provider(room, bo);
    await b.synced();
    b.provider.awareness.setLocalState({ user: { name: 'Someone else' }, here: 'early' });
    expect(await barrier(b.ws())).toBe(true);
    const a = server.provider(room, anna);
    await a.synced();
    await waitFor(() => a.provider.awareness.getStates().has(b.doc.clientID), 5000, 'bo’s state at the late joiner');
    expect(a.provider.awareness.getStates().get(b.doc.clientID)).toEqual({ user: BO, here: 'early' });
  });
});
