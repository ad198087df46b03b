// The tabs' greeting (src/lib/sync/tab-provider.ts): two tabs with one room end
// with the same document in both directions; a lone tab publishes its state
// vector, not its document; a tab of an earlier app version (y-websocket's own
// greeting) still syncs with it; edits after the greeting still travel.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import * as bc from 'lib0/broadcastchannel';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebsocketProvider } from 'y-websocket';
import * as awarenessProtocol from 'y-protocols/awareness';
import { TabProvider } from '../../src/lib/sync/tab-provider.ts';
import { addHope, readHopes } from '../../src/lib/domain/plan.ts';
import { MESSAGE_TAB_HELLO } from '../../src/lib/shared/protocol.ts';

let n = 0;
const open: WebsocketProvider[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.destroy();
  vi.restoreAllMocks();
});

/** A tab's room: its document (with these hopes, as loaded from the device) and its provider, greeting the other tabs. */
function tab(room: string, hopes: string[], Provider: typeof WebsocketProvider = TabProvider) {
  const doc = new Y.Doc();
  for (const text of hopes) addHope(doc, { text, saidBy: 'mor', createdAt: '2026-01-01T10:00:00Z' });
  const provider = new Provider('ws://127.0.0.1:9/sync', room, doc, { connect: false });
  open.push(provider);
  provider.connectBc();
  return { doc, provider };
}

const texts = (doc: Y.Doc) => readHopes(doc).map((h) => h.text).sort();

/** Every message published on the room's channel while `run` runs, by size. */
function published(room: string, run: () => void): number[] {
  const sizes: number[] = [];
  const spy = (data: ArrayBuffer | Uint8Array) => void sizes.push(data.byteLength);
  bc.subscribe(`ws://127.0.0.1:9/sync/${room}`, spy);
  try {
    run();
  } finally {
    bc.unsubscribe(`ws://127.0.0.1:9/sync/${room}`, spy);
  }
  return sizes;
}

describe('the tabs’ greeting', () => {
  it('brings two tabs the same document, each what only the other held', () => {
    const room = `f-tabs-${++n}.plan`;
    const a = tab(room, ['Kun i den første fane']);
    const b = tab(room, ['Kun i den nye fane']);
    expect(texts(a.doc)).toEqual(['Kun i den første fane', 'Kun i den nye fane']);
    expect(texts(b.doc)).toEqual(texts(a.doc));
    // A third tab that holds nothing gets it all.
    const c = tab(room, []);
    expect(texts(c.doc)).toEqual(texts(a.doc));
  });

  it('publishes a lone tab’s state vector, not its document', () => {
    const many = Array.from({ length: 200 }, (_, i) => `Håb nummer ${i} med en lang tekst om hvad familien drømmer om`);
    // Each size is measured against the same tab's document: client ids are random, and their length
    // changes the encoded size from one document to the next.
    const whole = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc).byteLength;
    const room = `f-tabs-${++n}.plan`;
    let ours!: ReturnType<typeof tab>;
    const sizes = published(room, () => void (ours = tab(room, many)));
    expect(whole(ours.doc)).toBeGreaterThan(10_000);
    expect(Math.max(...sizes)).toBeLessThan(200);
    // y-websocket's own greeting publishes it whole.
    const room2 = `f-tabs-${++n}.plan`;
    let old!: ReturnType<typeof tab>;
    const theirs = published(room2, () => void (old = tab(room2, many, WebsocketProvider)));
    expect(Math.max(...theirs)).toBeGreaterThanOrEqual(whole(old.doc));
  });

  it('syncs with a tab of an earlier app version that greets the old way', () => {
    const room = `f-tabs-${++n}.plan`;
    const a = tab(room, ['Fra den nye version']);
    const old = tab(room, ['Fra en ældre version'], WebsocketProvider);
    expect(texts(a.doc)).toEqual(['Fra den nye version', 'Fra en ældre version']);
    expect(texts(old.doc)).toEqual(texts(a.doc));
  });

  it('answers no greeting from a socket, and edits after the greeting still reach the other tab', () => {
    const room = `f-tabs-${++n}.plan`;
    const a = tab(room, []);
    const b = tab(room, []);
    addHope(a.doc, { text: 'Skrevet bagefter', saidBy: 'far', createdAt: '2026-01-02T10:00:00Z' });
    expect(texts(b.doc)).toEqual(['Skrevet bagefter']);
    // The relay never sends the greeting; if a socket did, nothing is answered on it.
    const onSocket = published(room, () => {
      const encoder = encoding.createEncoder();
      a.provider.messageHandlers[MESSAGE_TAB_HELLO](encoder, decoding.createDecoder(Y.encodeStateVector(new Y.Doc())), a.provider, true, MESSAGE_TAB_HELLO);
      expect(encoding.length(encoder)).toBe(0);
    });
    expect(onSocket).toEqual([]);
  });

  it('shows each tab the other again after one dropped the other’s presence and greeted anew (offline)', () => {
    const room = `f-tabs-${++n}.plan`;
    const a = tab(room, []);
    const b = tab(room, []);
    a.provider.awareness.setLocalStateField('user', { id: 'u-anna' });
    b.provider.awareness.setLocalStateField('user', { id: 'u-anna' });
    const sees = (x: typeof a, y: typeof a) => x.provider.awareness.getStates().has(y.doc.clientID);
    expect(sees(a, b) && sees(b, a)).toBe(true);
    // Going offline (provider.disconnect()): the channel closes, the socket's close drops every other client's
    // presence, and the channel is opened again (LiveRoom#keepTabs); in one tab after the other.
    for (const [x, y] of [[b, a], [a, b]]) {
      x.provider.disconnectBc();
      awarenessProtocol.removeAwarenessStates(x.provider.awareness, [y.doc.clientID], x.provider);
      expect(sees(x, y)).toBe(false);
      x.provider.connectBc();
      expect(sees(x, y)).toBe(true);
      expect(sees(y, x)).toBe(true);
    }
  });
});
