// y-protocols-aware frame mutation for the relay fuzzer. A corpus of valid
// frames (sync step 1/2, updates, awareness, query-awareness, auth) from a real
// plan document, and mutators of two kinds: blind byte damage, and damage
// inside a still well-formed envelope, so that it reaches the Yjs update and
// awareness decoders instead of failing at the first varint.
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { addAction, addGoal, addHope, hopeText, updateItem } from '../../src/lib/domain/plan.ts';
import { mulberry32 } from '../../src/lib/shared/prng.ts';
import { awarenessMessage, queryAwarenessMessage } from '../../src/lib/shared/protocol.ts';
import { awarenessFrame, MESSAGE_SYNC, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE, syncFrame } from './wire.ts';

export function prng(seed: number) {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof prng>;

export interface Corpus {
  frames: Uint8Array[];
  updates: Uint8Array[];
}

export function buildCorpus(): Corpus {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const hope = addHope(doc, { text: 'At vi kan spise aftensmad sammen.', saidBy: 'mor', createdAt: '2025-01-01T00:00:00Z' });
  const goal = addGoal(doc, { title: 'Fast rytme', hopeId: hope, targetDate: '2026-01-01', createdAt: '2025-01-01T00:00:00Z' });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(addAction(doc, { title: `Indsats ${i}`, goalId: goal, sector: 'social', createdAt: '2025-01-01T00:00:00Z', createdBy: 'u-anna' }));
  updateItem(doc, 'actions', ids[0], { status: 'udfoert' });
  const text = hopeText(doc, hope);
  doc.transact(() => text?.insert(3, 'ikke '));
  doc.transact(() => text?.delete(0, 2));
  doc.getArray('log').push(['a', 'b', 'c']);
  doc.getArray('log').delete(1, 1);
  const frames: Uint8Array[] = [
    syncFrame(SYNC_STEP1, Y.encodeStateVector(doc)),
    syncFrame(SYNC_STEP1, Y.encodeStateVector(new Y.Doc())),
    syncFrame(SYNC_STEP2, Y.encodeStateAsUpdate(doc)),
    syncFrame(SYNC_STEP2, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))),
    ...updates.map((u) => syncFrame(SYNC_UPDATE, u)),
    awarenessFrame([{ clientId: 7, clock: 1, state: { user: { id: 'x', name: 'Mallory' }, field: 'hope:1' } }]),
    awarenessFrame([{ clientId: 8, clock: 3, state: null }]),
    awarenessFrame([
      { clientId: 9, clock: 1, state: { field: null } },
      { clientId: 10, clock: 1, state: { field: 'a' } }
    ]),
    queryAwarenessMessage(),
    Uint8Array.of(2, 0, 4, 116, 101, 115, 116)
  ];
  return { frames, updates };
}

function writeVarUintBytes(n: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  return encoding.toUint8Array(e);
}

const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xff, 0xfe, 0x0a];
const BOUNDARY_INTS = [0, 1, 2, 3, 4, 127, 128, 255, 65535, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function damageBytes(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return Uint8Array.of(r.int(256));
  switch (r.int(7)) {
    case 0: // flip bits
      for (let i = 0, n = 1 + r.int(8); i < n; i++) out[r.int(out.length)] ^= 1 << r.int(8);
      return out;
    case 1: // boundary byte
      out[r.int(out.length)] = r.pick(BOUNDARY_BYTES);
      return out;
    case 2: // truncate
      return out.slice(0, r.int(out.length));
    case 3: // append junk
      return concat(out, Uint8Array.from({ length: 1 + r.int(32) }, () => r.int(256)));
    case 4: {
      // insert junk
      const at = r.int(out.length);
      return concat(out.slice(0, at), Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256)), out.slice(at));
    }
    case 5: {
      // duplicate a slice
      const a = r.int(out.length);
      const z = a + r.int(out.length - a);
      return concat(out.slice(0, z), out.slice(a, z), out.slice(z));
    }
    default: {
      // a varint somewhere replaced by a boundary integer
      const at = r.int(out.length);
      return concat(out.slice(0, at), writeVarUintBytes(r.pick(BOUNDARY_INTS)), out.slice(at + 1));
    }
  }
}

/** Damage inside a Yjs update, then wrap it in a valid sync envelope. */
function damageUpdate(r: Rng, update: Uint8Array): Uint8Array {
  const subtype = r.pick([SYNC_STEP2, SYNC_UPDATE, SYNC_UPDATE]);
  if (r.next() < 0.3) {
    // Rewrite the struct header: number of clients/structs, client id, clock.
    const d = decoding.createDecoder(update);
    const header = [decoding.readVarUint(d), decoding.readVarUint(d), decoding.readVarUint(d), decoding.readVarUint(d)];
    header[r.int(4)] = r.pick(BOUNDARY_INTS);
    const e = encoding.createEncoder();
    for (const h of header) encoding.writeVarUint(e, h);
    encoding.writeUint8Array(e, update.subarray(d.pos));
    return syncFrame(subtype, encoding.toUint8Array(e));
  }
  return syncFrame(subtype, damageBytes(r, update));
}

/** Damage inside the awareness payload, keeping the outer envelope valid. */
function damageAwareness(r: Rng): Uint8Array {
  const inner = encoding.createEncoder();
  const kind = r.int(5);
  const count = kind === 0 ? r.pick(BOUNDARY_INTS) : 1 + r.int(3);
  encoding.writeVarUint(inner, count);
  for (let i = 0; i < Math.min(count, 3); i++) {
    encoding.writeVarUint(inner, kind === 1 ? r.pick(BOUNDARY_INTS) : r.int(20));
    encoding.writeVarUint(inner, kind === 2 ? r.pick(BOUNDARY_INTS) : 1 + r.int(3));
    const json =
      kind === 3
        ? r.pick(['{', '[]', '"x"', '1', 'null', '{"user":1}', '{"__proto__":{"a":1}}', '{"a":' + '['.repeat(2000) + ']'.repeat(2000) + '}'])
        : JSON.stringify({ field: 'x'.repeat(r.int(kind === 4 ? 9000 : 50)) });
    encoding.writeVarString(inner, json);
  }
  return awarenessMessage(encoding.toUint8Array(inner));
}

export type Mutant = { bytes: Uint8Array; text: false } | { bytes: string; text: true };

export function mutate(r: Rng, corpus: Corpus): Mutant {
  const pick = r.int(100);
  if (pick < 30) return { bytes: damageUpdate(r, r.pick(corpus.updates)), text: false };
  if (pick < 45) return { bytes: damageAwareness(r), text: false };
  if (pick < 80) return { bytes: damageBytes(r, r.pick(corpus.frames)), text: false };
  if (pick < 85) {
    // an envelope whose length lies
    const u = r.pick(corpus.updates);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, r.pick([SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE]));
    encoding.writeVarUint(e, r.pick([0, u.byteLength + 1, u.byteLength * 2, 2 ** 31]));
    encoding.writeUint8Array(e, u);
    return { bytes: encoding.toUint8Array(e), text: false };
  }
  if (pick < 90) return { bytes: concat(r.pick(corpus.frames), r.pick(corpus.frames)), text: false };
  if (pick < 94) return { bytes: Uint8Array.from({ length: r.int(64) }, () => r.int(256)), text: false };
  if (pick < 97) return { bytes: concat(writeVarUintBytes(r.pick(BOUNDARY_INTS)), r.pick(corpus.frames).subarray(1)), text: false };
  return { bytes: r.pick(['', 'hello', '{"type":"sync"}', '\u0000\u0001']), text: true };
}
