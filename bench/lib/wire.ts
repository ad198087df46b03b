// y-websocket frames, written and peeked at without a full client: the load
// generator and the fuzzer speak the wire protocol directly so that 1,000
// clients cost the generator as little as possible.
import * as decoding from 'lib0/decoding';
import {
  awarenessMessage,
  encodeAwarenessEntries,
  MESSAGE_AWARENESS,
  MESSAGE_SAVED,
  MESSAGE_SYNC,
  SYNC_STEP1,
  SYNC_STEP2,
  SYNC_UPDATE,
  syncMessage
} from '../../src/lib/shared/protocol.ts';

export { MESSAGE_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE };

/** The shared encoder (src/lib/shared/protocol.ts) under the name the load generator and fuzzer use. */
export const syncFrame = syncMessage;

export function awarenessFrame(states: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  return awarenessMessage(encodeAwarenessEntries(states.map((s) => ({ clientId: s.clientId, clock: s.clock, json: JSON.stringify(s.state) }))));
}

export interface Peeked {
  type: number;
  subtype: number;
  payload: Uint8Array | null;
}

/** The message type, sync subtype and payload of a frame (the state vector of a MESSAGE_SAVED). */
export function peek(frame: Uint8Array): Peeked {
  const d = decoding.createDecoder(frame);
  const type = decoding.readVarUint(d);
  if (type === MESSAGE_SAVED) return { type, subtype: -1, payload: decoding.readVarUint8Array(d) };
  if (type !== MESSAGE_SYNC) return { type, subtype: -1, payload: null };
  const subtype = decoding.readVarUint(d);
  return { type, subtype, payload: decoding.readVarUint8Array(d) };
}

/**
 * The (client, clock) of the first struct in a v1 update: enough to recognise an
 * update from one writer that inserts one item. Returns -1 when there is none.
 */
export function firstStructKey(update: Uint8Array): number {
  const d = decoding.createDecoder(update);
  const clients = decoding.readVarUint(d);
  if (clients === 0) return -1;
  decoding.readVarUint(d); // number of structs
  const client = decoding.readVarUint(d);
  const clock = decoding.readVarUint(d);
  // Writers have small client ids and clocks; pack both into one safe integer.
  return client * 2 ** 24 + clock;
}
