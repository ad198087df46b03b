// "Gemt" survives no lie about a crash: the relay (in a child process) receives
// a writer's edit and is killed with SIGKILL before it commits it. The writer
// must never have been told the edit is saved, the dead relay's file must not
// hold it, and after the restart the writer is told "saved" only once the
// store holds the edit (checked against the SQLite file at the moment the
// writer's tracker says so). The writer is a real WebsocketProvider with the
// app's tracker (RelayState) and URL parameters.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Store } from '../../server/store/types.ts';
import { MESSAGE_SAVED, MESSAGE_SYNC } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { Clients, docFromUpdates, dropTestSchema, kill9, login, openTestStore, startRelayProcess, waitFor } from './helpers.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fp-saved-kill9-'));
const clients = new Clients();
let child: ChildProcess | null = null;
let disk: Store | null = null;

afterAll(async () => {
  clients.closeAll();
  if (child) await kill9(child);
  await disk?.close();
  rmSync(dataDir, { recursive: true, force: true });
  await dropTestSchema(dataDir);
});

describe('kill -9 between receiving an edit and committing it', () => {
  it('never shows the edit as saved before the store holds it', async () => {
    // Every commit of client updates stalls: the relay holds the edit in memory only.
    const first = await startRelayProcess(dataDir, 0, { STALL_COMMITS: '1' });
    child = first.proc;
    const url = first.url;
    const port = Number(new URL(url).port);
    const room = roomName('gel-02-nielsen', 'plan'); // the seed's ids are deterministic
    const writer = clients.provider(url, room, await login(url, 'anna'), { maxBackoffTime: 250 });

    // The relay runs in another process: the store is read as soon as the client has handled the message.
    const stored = async (held: Uint8Array) => {
      const sv = Y.decodeStateVector(Y.encodeStateVector(docFromUpdates(await disk!.loadUpdates(room))));
      for (const [client, clock] of Y.decodeStateVector(held)) if ((sv.get(client) ?? 0) < clock) return false;
      return true;
    };
    // From the edit on: every time the writer's tracker says "saved", was it stored?
    let watching = false;
    const saved: { stored: Promise<boolean> | null }[] = [];
    for (const type of [MESSAGE_SYNC, MESSAGE_SAVED]) {
      const inner = writer.provider.messageHandlers[type];
      writer.provider.messageHandlers[type] = (...args) => {
        inner(...args);
        if (watching && writer.relay!.holds(writer.doc)) saved.push({ stored: disk ? stored(Y.encodeStateVector(writer.doc)) : null });
      };
    }
    await writer.synced();
    await waitFor(() => writer.relay!.holds(writer.doc), 5000, 'the greeting');

    watching = true;
    writer.doc.getMap('crash').set('unsaved', 'ja');
    await waitFor(() => first.stdout().includes('stalling commit'), 5000, 'the relay to receive the edit');
    await kill9(child);
    await waitFor(() => !writer.provider.wsconnected, 5000, 'the writer to notice the crash');
    expect(saved).toEqual([]);

    // The dead relay's file does not hold the edit (it was never committed).
    disk = await openTestStore(dataDir);
    expect(docFromUpdates(await disk.loadUpdates(room)).getMap('crash').has('unsaved')).toBe(false);

    // Restart without the stall; the provider reconnects by itself and re-sends the edit.
    child = (await startRelayProcess(dataDir, port)).proc;
    await waitFor(() => writer.relay!.holds(writer.doc), 10_000, '"gemt" after the restart');
    expect(saved.length).toBeGreaterThan(0);
    expect((await Promise.all(saved.map((s) => s.stored))).every((s) => s === true)).toBe(true);
    expect(docFromUpdates(await disk.loadUpdates(room)).getMap('crash').get('unsaved')).toBe('ja');
  }, 30_000);
});
