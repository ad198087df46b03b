// Wire format between nodes. Room channels carry compact binary frames (lib0
// encoding, no base64 overhead on multi-megabyte updates); the control channel
// carries small JSON. Everything another node sends is checked here — bounded
// size, well-formed, ids of the expected shape, the room of the channel — before
// any handler sees it: a compromised or buggy node must not be able to crash
// this one or smuggle an update into a room it was not published on.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { FAMILY_ID_PATTERN, parseRoom } from '../../src/lib/shared/rooms.ts';
import { code, type Logger } from '../log.ts';
import type { CommittedUpdate, ControlMessage, RoomEvent } from './types.ts';

const FRAME_VERSION = 1;
const TYPE_UPDATE = 1;
const TYPE_AWARENESS = 2;
const TYPE_HEAD = 3;

export const ROOM_CHANNEL_PREFIX = 'fp:room:';
export const CONTROL_CHANNEL = 'fp:control';

export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
// User ids and session hashes (base64url sha-256) are short tokens without spaces.
const TOKEN_PATTERN = /^[A-Za-z0-9._:@+=-]{1,128}$/;
/** WebSocket close reasons are at most 123 bytes (RFC 6455 §5.5). */
const MAX_REASON_BYTES = 123;
export const MAX_CONTROL_BYTES = 64 * 1024;
export const MAX_ACCESS_EVENT_USERS = 1000;

export interface FrameLimits {
  /** Largest room frame accepted from another node (an update plus a few hundred bytes of header). */
  maxFrameBytes: number;
}

export type Rejection = { ok: false; reason: string };
export type Decoded<T> = { ok: true; value: T } | Rejection;

const reject = (reason: string): Rejection => ({ ok: false, reason });

export function roomChannel(room: string): string {
  return ROOM_CHANNEL_PREFIX + room;
}

function header(type: number, nodeId: string, room: string, at: number): encoding.Encoder {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, FRAME_VERSION);
  encoding.writeVarUint(enc, type);
  encoding.writeVarString(enc, nodeId);
  encoding.writeVarString(enc, room);
  encoding.writeVarUint(enc, at);
  return enc;
}

export function encodeUpdateFrame(nodeId: string, u: CommittedUpdate, at: number): Uint8Array {
  const enc = header(TYPE_UPDATE, nodeId, u.room, at);
  encoding.writeVarUint(enc, u.seq);
  encoding.writeVarString(enc, u.author);
  encoding.writeVarUint8Array(enc, u.update);
  return encoding.toUint8Array(enc);
}

export function encodeAwarenessFrame(nodeId: string, room: string, data: Uint8Array, at: number): Uint8Array {
  const enc = header(TYPE_AWARENESS, nodeId, room, at);
  encoding.writeVarUint8Array(enc, data);
  return encoding.toUint8Array(enc);
}

export function encodeHeadFrame(nodeId: string, room: string, seq: number, at: number): Uint8Array {
  const enc = header(TYPE_HEAD, nodeId, room, at);
  encoding.writeVarUint(enc, seq);
  return encoding.toUint8Array(enc);
}

/**
 * A test for frames this node published, which Redis hands back to it like any
 * other subscriber's: their first bytes (version, type, node id) compared, so
 * they are dropped before the signature is checked and the frame decoded. A
 * forged frame naming this node is dropped too, as it would be after decoding.
 */
export function ownFrameTest(nodeId: string): (frame: Uint8Array) => boolean {
  const enc = encoding.createEncoder();
  encoding.writeVarString(enc, nodeId);
  const id = encoding.toUint8Array(enc);
  return (frame) => {
    if (frame.byteLength < 2 + id.byteLength || frame[0] !== FRAME_VERSION || frame[1] >= 0x80) return false;
    for (let i = 0; i < id.byteLength; i++) if (frame[2 + i] !== id[i]) return false;
    return true;
  };
}

const isSeq = (n: number) => Number.isSafeInteger(n) && n > 0;

/** Decodes a frame received on the channel of `channelRoom`; anything malformed or oversized is rejected with a reason code. */
export function decodeRoomFrame(bytes: Uint8Array, channelRoom: string, limits: FrameLimits): Decoded<RoomEvent> {
  if (bytes.byteLength > limits.maxFrameBytes) return reject('too_large');
  try {
    const dec = decoding.createDecoder(bytes);
    if (decoding.readVarUint(dec) !== FRAME_VERSION) return reject('version');
    const type = decoding.readVarUint(dec);
    const nodeId = decoding.readVarString(dec);
    const room = decoding.readVarString(dec);
    const publishedAt = decoding.readVarUint(dec);
    if (!NODE_ID_PATTERN.test(nodeId)) return reject('node_id');
    if (room !== channelRoom || !parseRoom(room)) return reject('room');
    if (!Number.isSafeInteger(publishedAt)) return reject('time');
    let event: RoomEvent;
    if (type === TYPE_UPDATE) {
      const seq = decoding.readVarUint(dec);
      const author = decoding.readVarString(dec);
      const update = decoding.readVarUint8Array(dec);
      if (!isSeq(seq)) return reject('seq');
      if (!TOKEN_PATTERN.test(author)) return reject('author');
      if (update.byteLength === 0) return reject('empty');
      // A copy: the decoder's view shares the receive buffer, which the Redis client may reuse.
      event = { kind: 'update', nodeId, room, seq, author, update: update.slice(), publishedAt };
    } else if (type === TYPE_AWARENESS) {
      const data = decoding.readVarUint8Array(dec);
      if (data.byteLength === 0) return reject('empty');
      event = { kind: 'awareness', nodeId, room, data: data.slice(), publishedAt };
    } else if (type === TYPE_HEAD) {
      const seq = decoding.readVarUint(dec);
      if (!isSeq(seq)) return reject('seq');
      event = { kind: 'head', nodeId, room, seq };
    } else {
      return reject('type');
    }
    if (decoding.hasContent(dec)) return reject('trailing');
    return { ok: true, value: event };
  } catch {
    // lib0 throws on a truncated buffer or an out-of-range integer: the frame is malformed.
    return reject('malformed');
  }
}

export function encodeControl(nodeId: string, msg: ControlMessage): string {
  return JSON.stringify({ v: FRAME_VERSION, nodeId, msg });
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const optional = (v: unknown, ok: (s: string) => boolean) => v === undefined || (typeof v === 'string' && ok(v));

/** Validates a control message, whether published here (a bug is caught before it leaves) or received from another node. */
export function validateControl(msg: unknown): Decoded<ControlMessage> {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return reject('shape');
  const m = msg as Record<string, unknown>;
  const keys = Object.keys(m);
  switch (m.kind) {
    case 'recheck': {
      if (keys.some((k) => !['kind', 'userId', 'familyId', 'reason'].includes(k))) return reject('fields');
      if (!optional(m.userId, (s) => TOKEN_PATTERN.test(s))) return reject('user_id');
      if (!optional(m.familyId, (s) => FAMILY_ID_PATTERN.test(s))) return reject('family_id');
      if (!optional(m.reason, (s) => s.length > 0 && utf8Bytes(s) <= MAX_REASON_BYTES)) return reject('reason');
      const out: ControlMessage = { kind: 'recheck' };
      if (m.userId !== undefined) out.userId = m.userId as string;
      if (m.familyId !== undefined) out.familyId = m.familyId as string;
      if (m.reason !== undefined) out.reason = m.reason as string;
      return { ok: true, value: out };
    }
    case 'session-ended':
      if (keys.length !== 2 || typeof m.sessionHash !== 'string' || !TOKEN_PATTERN.test(m.sessionHash)) return reject('session_hash');
      return { ok: true, value: { kind: 'session-ended', sessionHash: m.sessionHash } };
    case 'access-events': {
      const ids = m.userIds;
      if (keys.length !== 2 || !Array.isArray(ids) || ids.length === 0 || ids.length > MAX_ACCESS_EVENT_USERS) return reject('user_ids');
      if (!ids.every((u) => typeof u === 'string' && TOKEN_PATTERN.test(u))) return reject('user_ids');
      return { ok: true, value: { kind: 'access-events', userIds: [...ids] as string[] } };
    }
    default:
      return reject('kind');
  }
}

/**
 * The control message to send for `msg` published on this node. A recheck that
 * does not validate (a bug: e.g. a close reason over 123 bytes) is widened to a
 * recheck of every socket rather than dropped — fail closed, a revocation must
 * never be lost; anything else invalid is refused (null).
 */
export function outgoingControl(msg: ControlMessage): Decoded<ControlMessage> & { widened?: boolean } {
  const checked = validateControl(msg);
  if (checked.ok || (msg as { kind?: unknown })?.kind !== 'recheck') return checked;
  return { ok: true, value: { kind: 'recheck' }, widened: true };
}

/** What a node publishes for `msg` (outgoingControl), the widening or refusal logged as the bug it is; null: nothing to send. */
export function controlToSend(msg: ControlMessage, log: Logger): ControlMessage | null {
  const checked = outgoingControl(msg);
  if (!checked.ok || checked.widened) log.error('fanout.control_invalid', { reason: code(checked.ok ? 'widened' : checked.reason) });
  return checked.ok ? checked.value : null;
}

export function decodeControl(text: string): Decoded<{ nodeId: string; msg: ControlMessage }> {
  if (utf8Bytes(text) > MAX_CONTROL_BYTES) return reject('too_large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return reject('json');
  }
  if (typeof parsed !== 'object' || parsed === null) return reject('shape');
  const { v, nodeId, msg } = parsed as Record<string, unknown>;
  if (v !== FRAME_VERSION) return reject('version');
  if (typeof nodeId !== 'string' || !NODE_ID_PATTERN.test(nodeId)) return reject('node_id');
  const checked = validateControl(msg);
  return checked.ok ? { ok: true, value: { nodeId, msg: checked.value } } : checked;
}
