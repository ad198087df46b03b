// The frame encoders (src/lib/shared/protocol.ts) write what lib0's encoder
// writes — y-websocket clients decode them with it — for any type, subtype
// and payload length, across every varUint length boundary.
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import {
  awarenessMessage,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SAVED,
  MESSAGE_SYNC,
  MESSAGE_TAB_HELLO,
  queryAwarenessMessage,
  savedMessage,
  syncMessage,
  SYNC_UPDATE,
  tabHelloMessage,
  updateMessage
} from '../../src/lib/shared/protocol.ts';

function lib0Frame(type: number, subtype: number | null, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, type);
  if (subtype !== null) encoding.writeVarUint(enc, subtype);
  encoding.writeVarUint8Array(enc, payload);
  return encoding.toUint8Array(enc);
}

const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('frame encoders', () => {
  it('match lib0 byte for byte at every varUint boundary of the payload length', () => {
    for (const n of [0, 1, 99, 100, 127, 128, 200, 16_383, 16_384, 70_000, 2_097_152]) {
      const p = payload(n);
      expect(updateMessage(p)).toEqual(lib0Frame(MESSAGE_SYNC, SYNC_UPDATE, p));
      expect(awarenessMessage(p)).toEqual(lib0Frame(MESSAGE_AWARENESS, null, p));
      expect(savedMessage(p)).toEqual(lib0Frame(MESSAGE_SAVED, null, p));
      expect(tabHelloMessage(p)).toEqual(lib0Frame(MESSAGE_TAB_HELLO, null, p));
    }
  });

  it('write the awareness query as lib0 does: its type alone, a new array each time', () => {
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_QUERY_AWARENESS);
    expect(queryAwarenessMessage()).toEqual(encoding.toUint8Array(enc));
    expect(queryAwarenessMessage()).not.toBe(queryAwarenessMessage());
  });

  it('match lib0 for subtypes a fuzzer picks, one byte and longer', () => {
    const p = payload(300);
    for (const subtype of [0, 1, 2, 127, 128, 300, 2 ** 21, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      expect(syncMessage(subtype, p)).toEqual(lib0Frame(MESSAGE_SYNC, subtype, p));
    }
  });

  it('copy the payload: a frame does not change when its payload does', () => {
    const p = payload(10);
    const f = updateMessage(p);
    p.fill(0);
    expect(f).toEqual(lib0Frame(MESSAGE_SYNC, SYNC_UPDATE, payload(10)));
  });
});
