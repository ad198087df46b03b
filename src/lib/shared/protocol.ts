// Relay protocol constants shared by the relay and its clients (DESIGN §7).
import * as encoding from 'lib0/encoding';
export const CLOSE_SESSION_ENDED = 4401;
export const CLOSE_ACCESS_ENDED = 4403;
export const CLOSE_TOO_LARGE = 4413;
export const CLOSE_PROTOCOL_ERROR = 4400;
export const CLOSE_RATE_LIMITED = 4429;

/**
 * Whether a client should reconnect after the relay closed with this code.
 * Access, session, size and protocol ends are final; a rate limit only asks
 * the client to come back later. (The connection cap is no close code: the
 * relay refuses the upgrade with HTTP 429, which y-websocket retries.)
 */
export function closeIsTransient(code: number): boolean {
  if (code === CLOSE_RATE_LIMITED) return true;
  return !(code >= 4400 && code < 4500);
}

export const SYNC_PATH_PREFIX = '/sync/';

/** y-websocket message types. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

/**
 * Relay-defined: the "saved" acknowledgement. After a writer's updates are
 * committed, the relay sends the writer a state vector (one varUint8Array, as
 * in a sync step 1) of what it has committed. Unlike a sync step 1 it asks
 * for nothing, and a client never answers it. 64 opens a range of our own
 * (one byte as a varUint), clear of y-websocket's 0–3 and Hocuspocus' 0–8.
 *
 * Only sockets that announce support get it, on the socket URL:
 * - `?ack=2` (the app now): the entries of the Yjs clients whose updates the
 *   socket sent, which the client merges into what it knows of the relay
 *   (committed state only grows). A plan accumulates a client id per device
 *   session, so the room's whole state vector grows with its age; this stays
 *   the size of one writer's own.
 * - `?ack=1` (app versions cached before `2`): the room's whole state vector,
 *   which replaces what the client knew.
 * Any other client — a tablet still running an app version cached before this
 * message existed — gets a sync step 1 instead, as before, which it answers
 * with a sync step 2.
 */
export const MESSAGE_SAVED = 64;
export const SAVED_ACK_PARAM = 'ack';
export const SAVED_ACK_VERSION = '2';
/** The first version: the room's whole state vector, replacing the client's. */
export const SAVED_ACK_WHOLE = '1';

/**
 * Between one browser's tabs only (BroadcastChannel; never on a socket): "this
 * tab opened the room; here is its state vector". A tab with the room open
 * answers with a sync step 2 of what the new tab lacks and a sync step 1 of its
 * own, which the new tab answers with what the older tab lacks. It stands in
 * for y-websocket's greeting, which publishes the whole document to the other
 * tabs at every connect, whether or not one is listening
 * (src/lib/sync/tab-provider.ts).
 */
export const MESSAGE_TAB_HELLO = 65;

/** Sync message subtypes (y-protocols/sync's values). */
export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

/** Bytes of a varUint (lib0's encoding: 7 bits a byte, low bits first). */
function varUintSize(n: number): number {
  let size = 1;
  for (; n > 127; n = Math.floor(n / 128)) size++;
  return size;
}

function putVarUint(out: Uint8Array, at: number, n: number): number {
  for (; n > 127; n = Math.floor(n / 128)) out[at++] = 0x80 | (n & 0x7f);
  out[at++] = n;
  return at;
}

// The one set of frame encoders (relay, tests, bench): a frame is the message
// type, then for sync the subtype, then one varUint8Array payload — the bytes
// lib0's encoder writes, in one allocation (the relay frames every update it
// forwards; the encoder's growing buffers and final copy were three).
function frame(type: number, subtype: number | null, payload: Uint8Array): Uint8Array {
  const length = payload.byteLength;
  const out = new Uint8Array(varUintSize(type) + (subtype === null ? 0 : varUintSize(subtype)) + varUintSize(length) + length);
  let at = putVarUint(out, 0, type);
  if (subtype !== null) at = putVarUint(out, at, subtype);
  out.set(payload, putVarUint(out, at, length));
  return out;
}

/** A sync message of any subtype (fuzzers and load generators pick the subtype). */
export const syncMessage = (subtype: number, payload: Uint8Array) => frame(MESSAGE_SYNC, subtype, payload);
/** Sync step 1: "here is my state vector, send me what I lack". */
export const syncStep1Message = (stateVector: Uint8Array) => frame(MESSAGE_SYNC, SYNC_STEP1, stateVector);
/** Sync step 2: the answer to a step 1, an update with what the asker lacks. */
export const syncStep2Message = (update: Uint8Array) => frame(MESSAGE_SYNC, SYNC_STEP2, update);
/** One update as it travels between a client and the relay. */
export const updateMessage = (update: Uint8Array) => frame(MESSAGE_SYNC, SYNC_UPDATE, update);
/** An awareness message around an awareness payload (y-protocols' encoding, or encodeAwarenessEntries). */
export const awarenessMessage = (payload: Uint8Array) => frame(MESSAGE_AWARENESS, null, payload);
/** "Send me everyone's awareness": the message type alone, no payload. */
export const queryAwarenessMessage = () => Uint8Array.of(MESSAGE_QUERY_AWARENESS);
/** MESSAGE_TAB_HELLO with the new tab's state vector. */
export const tabHelloMessage = (stateVector: Uint8Array) => frame(MESSAGE_TAB_HELLO, null, stateVector);
/** MESSAGE_SAVED with a state vector (the room's, or its writer's entries of it). */
export const savedMessage = (stateVector: Uint8Array) => frame(MESSAGE_SAVED, null, stateVector);

/** One awareness state as it travels: the client, its clock, the state as JSON ('null' removes it). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  json: string;
}

/** The payload of an awareness message (y-protocols' format), from entries as given. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(enc, e.clientId);
    encoding.writeVarUint(enc, e.clock);
    encoding.writeVarString(enc, e.json);
  }
  return encoding.toUint8Array(enc);
}
