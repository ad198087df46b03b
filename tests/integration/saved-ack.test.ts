// "Gemt" (saved): the relay acknowledges a writer's updates once they are
// committed, with MESSAGE_SAVED to clients that ask for it — the state of the
// Yjs clients the socket wrote for (`?ack=2`, as the app does), or the room's
// whole state vector (`?ack=1`, app versions cached before) — and with a sync
// step 1 to clients that do not ask (an older app version cached on a tablet). The app's tracker (RelayState) must
// never call an edit saved before the store holds it, and an app client must
// not answer the acknowledgement. Real WebsocketProviders, as the app uses them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import WebSocket from 'ws';
import { MESSAGE_SAVED, MESSAGE_SYNC, SAVED_ACK_PARAM, SAVED_ACK_WHOLE } from '../../src/lib/shared/protocol.ts';
import { RelayState } from '../../src/lib/sync/relay-state.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { docFromUpdates, TestServer, toBytes, waitFor, type TestClient } from './helpers.ts';

let server: TestServer;
let anna: string;
let bo: string;
let room: string;

beforeAll(async () => {
  server = await TestServer.start();
  [anna, bo] = await Promise.all(['anna', 'bo'].map((u) => server.login(u)));
  room = roomName(server.family('gel-02'), 'plan'); // anna opened the case; bo writes by consent
  await mirrorStore();
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

interface Frame {
  type: number;
  /** sync subtype, -1 for other types */
  subtype: number;
  /** a sync step 1's or MESSAGE_SAVED's state vector, else null */
  sv: Map<number, number> | null;
}

function frameOf(bytes: Uint8Array): Frame {
  const d = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(d);
  if (type === MESSAGE_SAVED) return { type, subtype: -1, sv: Y.decodeStateVector(decoding.readVarUint8Array(d)) };
  if (type !== MESSAGE_SYNC) return { type, subtype: -1, sv: null };
  const subtype = decoding.readVarUint(d);
  const payload = decoding.readVarUint8Array(d);
  return { type, subtype, sv: subtype === syncProtocol.messageYjsSyncStep1 ? Y.decodeStateVector(payload) : null };
}

/** Every frame a provider's sockets send and receive, from each (re)connect on. */
function wire(client: TestClient) {
  const sent: Frame[] = [];
  const received: Frame[] = [];
  client.provider.on('status', ({ status }) => {
    if (status !== 'connected') return;
    const ws = client.provider.ws as unknown as WebSocket;
    const send = ws.send.bind(ws);
    ws.send = ((data: Uint8Array, ...rest: unknown[]) => {
      sent.push(frameOf(new Uint8Array(data)));
      return (send as (...a: unknown[]) => void)(data, ...rest);
    }) as typeof ws.send;
    ws.on('message', (data) => received.push(frameOf(toBytes(data as Buffer))));
  });
  return { sent, received };
}

const isStep1 = (f: Frame) => f.type === MESSAGE_SYNC && f.subtype === syncProtocol.messageYjsSyncStep1;
const isStep2 = (f: Frame) => f.type === MESSAGE_SYNC && f.subtype === syncProtocol.messageYjsSyncStep2;
const isSaved = (f: Frame) => f.type === MESSAGE_SAVED;

function covers(a: Map<number, number>, doc: Y.Doc): boolean {
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) if ((a.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * The room as the store holds it, mirrored so that it can be read at the very
 * moment a client handles a message: loaded once, then every batch applied as
 * soon as its commit resolves, before the relay goes on.
 */
let mirror: Y.Doc;
async function mirrorStore() {
  const store = server.app.store;
  mirror = docFromUpdates(await store.loadUpdates(room));
  const append = store.appendUpdates.bind(store);
  store.appendUpdates = async (updates) => {
    const seqs = await append(updates);
    for (const u of updates) if (u.room === room) Y.applyUpdate(mirror, u.data);
    return seqs;
  };
}
const storeSv = () => Y.decodeStateVector(Y.encodeStateVector(mirror));

/**
 * The invariant behind "gemt": whenever the app's tracker says the relay holds
 * the document, the store does. Checked after every message the client
 * handles, at the moment it handles it (the relay runs in this process).
 */
function checkSavedAgainstStore(client: TestClient) {
  const seen = { saved: 0, savedButNotStored: 0 };
  for (const type of [MESSAGE_SYNC, MESSAGE_SAVED]) {
    const inner = client.provider.messageHandlers[type];
    client.provider.messageHandlers[type] = (...args) => {
      inner(...args);
      if (!client.relay!.holds(client.doc)) return;
      seen.saved++;
      if (!covers(storeSv(), client.doc)) seen.savedButNotStored++;
    };
  }
  return seen;
}

describe('saved acknowledgement', () => {
  it('an app client learns "saved" from MESSAGE_SAVED only once the store holds its edit, and answers nothing', async () => {
    const writer = server.provider(room, anna);
    const w = wire(writer);
    const seen = checkSavedAgainstStore(writer);
    await writer.synced();
    await waitFor(() => writer.relay!.holds(writer.doc), 5000, 'the greeting');
    const sentBefore = w.sent.length;
    const receivedBefore = w.received.length;

    for (let i = 0; i < 5; i++) writer.doc.getMap('saved-ack').set(`edit-${i}`, i);
    expect(writer.relay!.holds(writer.doc)).toBe(false); // nothing is saved the moment it is made
    await waitFor(() => writer.relay!.holds(writer.doc), 5000, '"gemt"');
    expect(covers(storeSv(), writer.doc)).toBe(true);
    expect(seen.savedButNotStored).toBe(0);

    const after = w.received.slice(receivedBefore);
    expect(after.filter(isSaved).length).toBeGreaterThan(0);
    // The acknowledgement names the writer's own Yjs client, at its state: not the room's whole state vector.
    const own = writer.doc.clientID;
    expect([...after.filter(isSaved).at(-1)!.sv!]).toEqual([[own, Y.getState(writer.doc.store, own)]]);
    expect(Y.decodeStateVector(Y.encodeStateVector(writer.doc)).size).toBeGreaterThan(1);
    expect(w.received.filter(isStep1).length).toBe(1); // only the greeting
    // After the write the writer sent its updates and nothing else: no step 2 answers.
    const sentAfter = w.sent.slice(sentBefore);
    expect(sentAfter.length).toBeGreaterThan(0);
    expect(sentAfter.every((f) => f.type === MESSAGE_SYNC && f.subtype === syncProtocol.messageYjsUpdate)).toBe(true);
    expect(writer.unexpected).toEqual([]);
  });

  it('an app version that asked for the whole state vector (`ack=1`) still gets it, and its tracker says "saved"', async () => {
    const writer = server.provider(room, anna, { params: { [SAVED_ACK_PARAM]: SAVED_ACK_WHOLE } });
    const w = wire(writer);
    const seen = checkSavedAgainstStore(writer);
    await writer.synced();
    const receivedBefore = w.received.length;
    writer.doc.getMap('saved-ack').set('whole', 'ja');
    await waitFor(() => writer.relay!.holds(writer.doc), 5000, '"gemt"');
    const last = w.received.slice(receivedBefore).filter(isSaved).at(-1)!.sv!;
    expect(last).toEqual(Y.decodeStateVector(Y.encodeStateVector(mirror)));
    expect(last.size).toBeGreaterThan(1);
    expect(seen.savedButNotStored).toBe(0);
  });

  it('a client from before MESSAGE_SAVED still gets its acknowledgement as a sync step 1, next to an app client', async () => {
    const legacy = server.provider(room, bo, { legacy: true });
    const app = server.provider(room, anna);
    const l = wire(legacy);
    const a = wire(app);
    await Promise.all([legacy.synced(), app.synced()]);
    const lBefore = { sent: l.sent.length, received: l.received.length };

    legacy.doc.getMap('saved-ack').set('legacy', 'ja');
    app.doc.getMap('saved-ack').set('app', 'ja');
    // The old LiveRoom called an edit saved when the last sync step 1 covered it.
    const lastStep1 = () => l.received.slice(lBefore.received).filter(isStep1).at(-1)?.sv;
    await waitFor(() => !!lastStep1() && covers(lastStep1()!, legacy.doc), 5000, 'the legacy acknowledgement');
    expect(covers(storeSv(), legacy.doc)).toBe(true);
    await waitFor(() => app.relay!.holds(app.doc), 5000, 'the app client’s acknowledgement');

    // The legacy client never saw the message it does not know, and answered its step 1 as before.
    expect(legacy.unexpected).toEqual([]);
    expect(l.received.some(isSaved)).toBe(false);
    await waitFor(() => l.sent.slice(lBefore.sent).some(isStep2), 5000, 'the legacy client’s step 2');
    // The app client got MESSAGE_SAVED, and no step 1 besides the greeting.
    expect(a.received.some(isSaved)).toBe(true);
    expect(a.received.filter(isStep1).length).toBe(1);
    // Both edits arrived everywhere.
    await waitFor(() => legacy.doc.getMap('saved-ack').get('app') === 'ja' && app.doc.getMap('saved-ack').get('legacy') === 'ja', 5000, 'both edits');
  });

  it('the app’s tracker also understands a relay that acknowledges with a sync step 1 (an older relay)', async () => {
    // A socket without `ack=1` is acknowledged as an older relay acknowledges everyone.
    const writer = server.provider(room, anna, { legacy: true });
    const tracker = new RelayState(writer.provider);
    await writer.synced();
    await waitFor(() => tracker.holds(writer.doc), 5000, 'the greeting');
    writer.doc.getMap('saved-ack').set('older-relay', 'ja');
    expect(tracker.holds(writer.doc)).toBe(false);
    await waitFor(() => tracker.holds(writer.doc), 5000, '"gemt" from a sync step 1');
    expect(covers(storeSv(), writer.doc)).toBe(true);
  });

  it('a colleague’s edit does not make a reader’s copy look unsaved', async () => {
    const writer = server.provider(room, anna);
    const viewer = server.provider(room, bo);
    await Promise.all([writer.synced(), viewer.synced()]);
    await waitFor(() => viewer.relay!.holds(viewer.doc), 5000, 'the viewer’s greeting');
    for (let i = 0; i < 3; i++) writer.doc.getText('colleague').insert(0, `${i} `);
    await waitFor(() => viewer.doc.getText('colleague').length === 6, 5000, 'the colleague’s edits');
    // The relay forwards only what it has committed: the viewer has nothing unsaved.
    expect(viewer.relay!.holds(viewer.doc)).toBe(true);
  });

  it('never says "saved" for an edit the store refused; says it once the edit is stored after the reconnect', async () => {
    const writer = server.provider(room, anna);
    const seen = checkSavedAgainstStore(writer);
    await writer.synced();
    const store = server.app.store;
    const append = store.appendUpdates;
    store.appendUpdates = async () => {
      throw new Error('disk full (test)');
    };
    const closed = writer.nextClose();
    try {
      writer.doc.getMap('saved-ack').set('refused', 'ja');
      expect(await closed).toBe(1011);
      expect(writer.relay!.holds(writer.doc)).toBe(false);
    } finally {
      store.appendUpdates = append;
    }
    await waitFor(() => writer.relay!.holds(writer.doc), 10_000, '"gemt" after the reconnect');
    expect(docFromUpdates((await store.loadUpdates(room))).getMap('saved-ack').get('refused')).toBe('ja');
    expect(seen.saved).toBeGreaterThan(0);
    expect(seen.savedButNotStored).toBe(0);
  });
});
