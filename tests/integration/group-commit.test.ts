// Group commit (server/relay.ts): the updates that arrive in one event-loop
// turn are committed in one transaction and only then forwarded. Persistence
// before broadcast must hold for each of them, each keeps its own author, and
// when the store refuses a batch nothing of it is forwarded and the writers'
// edits still arrive once the store works again.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { MESSAGE_SYNC } from '../../src/lib/shared/protocol.ts';
import { barrier, collect, docFromUpdates, TestServer, updateMessage, waitFor, latestSeq } from './helpers.ts';
import { withWriters } from './fixtures-writers.ts';

let server: TestServer;
let anna: string;
let bo: string;
let room: string;

withWriters({ users: ['anna', 'bo'] }, (w) => ({ server, room, cookies: [anna, bo] } = w));

/** One writer's Yjs edits, each as its own update message. */
function edits(clientID: number, n: number, key: string): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(updateMessage(u)));
  for (let i = 0; i < n; i++) doc.getMap('group-commit').set(`${key}-${i}`, i);
  return out;
}

/** Apply every update frame a raw socket has received so far to one doc. */
function received(frames: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const f of frames) {
    const d = decoding.createDecoder(f);
    if (decoding.readVarUint(d) !== MESSAGE_SYNC) continue;
    const subtype = decoding.readVarUint(d);
    if (subtype === syncProtocol.messageYjsSyncStep2 || subtype === syncProtocol.messageYjsUpdate) {
      Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    }
  }
  return doc;
}

describe('group commit', () => {
  it('commits a burst from two writers before forwarding any of it, each update with its author', async () => {
    const writerA = await server.raw(room, anna);
    const writerB = await server.raw(room, bo);
    const witness = await server.raw(room, anna);
    await Promise.all([barrier(writerA), barrier(writerB), barrier(witness)]);
    const seen = collect(witness);
    const authorsBefore = (await server.app.store.updateAuthors(room)).length;

    // Back to back, so that most of each burst is read in one turn.
    const fromA = edits(710_001, 40, 'a');
    const fromB = edits(710_002, 40, 'b');
    for (let i = 0; i < 40; i++) {
      writerA.send(fromA[i]);
      writerB.send(fromB[i]);
    }
    await Promise.all([barrier(writerA), barrier(writerB)]);
    await barrier(witness);

    const got = received(seen).getMap('group-commit');
    expect(got.size).toBe(80);
    // Everything forwarded is in the store.
    const stored = docFromUpdates((await server.app.store.loadUpdates(room))).getMap('group-commit');
    for (const [k, v] of got) expect(stored.get(k)).toBe(v);
    // One stored update per edit, with the right author.
    const authors = (await server.app.store.updateAuthors(room)).slice(authorsBefore);
    expect(authors.length).toBe(80);
    const annaUser = (await server.app.store.userByUsername('anna'))!.id;
    const boUser = (await server.app.store.userByUsername('bo'))!.id;
    expect(authors.filter((a) => a.author === annaUser).length).toBe(40);
    expect(authors.filter((a) => a.author === boUser).length).toBe(40);
  });

  it('stores and forwards a change once: the same update sent again changed nothing and goes nowhere', async () => {
    const writer = await server.raw(room, anna);
    const witness = await server.raw(room, bo);
    await Promise.all([barrier(writer), barrier(witness)]);
    const seen = collect(witness);
    const seqBefore = await latestSeq(server.app.store, room);

    const doc = new Y.Doc();
    doc.clientID = 710_101;
    const frames: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => frames.push(updateMessage(u)));
    doc.getMap('group-commit').set('once', 1);
    doc.getMap('group-commit').delete('once');
    const [set, deletion] = frames;
    // Each twice: the second of each (new structs known already, a deletion of what is deleted) changes nothing.
    for (const frame of [set, set, deletion, deletion]) {
      writer.send(frame);
      await barrier(writer);
    }
    await barrier(witness);

    expect(await latestSeq(server.app.store, room)).toBe(seqBefore + 2);
    const forwarded = seen.filter((f) => {
      const d = decoding.createDecoder(f);
      return decoding.readVarUint(d) === MESSAGE_SYNC && decoding.readVarUint(d) === syncProtocol.messageYjsUpdate;
    });
    expect(forwarded).toEqual([set, deletion]);
    expect(received(seen).getMap('group-commit').has('once')).toBe(false);
  });

  it('forwards nothing of a batch the store refuses; the writer reconnects and its edit arrives', async () => {
    const writer = server.provider(room, anna);
    const reader = server.provider(room, bo);
    await Promise.all([writer.synced(), reader.synced()]);
    const readerFrames = collect(reader.ws());
    const store = server.app.store;
    const seqBefore = (await latestSeq(store, room));
    const append = store.appendUpdates;
    let refused = 0;
    store.appendUpdates = async () => {
      refused++;
      throw new Error('disk full (test)');
    };
    const closed = writer.nextClose();
    try {
      writer.doc.getMap('group-commit').set('refused-once', 'ja');
      expect(await closed).toBe(1011);
    } finally {
      store.appendUpdates = append;
    }
    expect(refused).toBe(1);
    await barrier(reader.ws());
    expect(received(readerFrames).getMap('group-commit').has('refused-once')).toBe(false);
    expect((await latestSeq(store, room))).toBe(seqBefore);
    // The relay's document was rebuilt from the store: it does not hold the edit either.
    expect((await server.app.relay.loadedDoc(room))!.getMap('group-commit').has('refused-once')).toBe(false);

    // y-websocket reconnects after 1011 and sends what the relay lacks.
    await waitFor(() => reader.doc.getMap('group-commit').get('refused-once') === 'ja', 10_000, 'the edit after reconnecting');
    expect(docFromUpdates((await store.loadUpdates(room))).getMap('group-commit').get('refused-once')).toBe('ja');
  });
});
