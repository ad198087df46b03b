// The wire format between nodes and the one-process fan-out: frames round-trip,
// anything another node sends that is malformed, oversized, for another room or
// with ids of the wrong shape is refused with a reason code; control messages
// are validated, and an invalid recheck is widened (fail closed), never lost.
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import {
  decodeControl,
  decodeRoomFrame,
  encodeAwarenessFrame,
  encodeControl,
  encodeHeadFrame,
  encodeUpdateFrame,
  outgoingControl,
  ownFrameTest,
  validateControl
} from '../../server/fanout/frame.ts';
import { LocalFanout } from '../../server/fanout/local.ts';
import type { ControlMessage, ControlOrigin } from '../../server/fanout/types.ts';
import { createLogger } from '../../server/log.ts';

const ROOM = 'f-abcdef.plan';
const limits = { maxFrameBytes: 1024 };

describe('room frames', () => {
  it("tell this node's own frames from others' by their first bytes", () => {
    const own = ownFrameTest('node-a');
    const update = { room: ROOM, seq: 1, author: 'u-anna', update: new Uint8Array([1]) };
    expect(own(encodeUpdateFrame('node-a', update, 5))).toBe(true);
    expect(own(encodeAwarenessFrame('node-a', ROOM, new Uint8Array([9]), 5))).toBe(true);
    expect(own(encodeHeadFrame('node-a', ROOM, 3, 5))).toBe(true);
    // another node, one whose id starts like ours, and ours as a prefix of theirs
    expect(own(encodeUpdateFrame('node-b', update, 5))).toBe(false);
    expect(own(encodeUpdateFrame('node-ab', update, 5))).toBe(false);
    expect(ownFrameTest('node')(encodeUpdateFrame('node-a', update, 5))).toBe(false);
    expect(own(new Uint8Array([1, 1]))).toBe(false);
    expect(own(new Uint8Array(0))).toBe(false);
  });

  it('round-trip updates, awareness and heads', () => {
    const update = new Uint8Array([1, 2, 3]);
    const u = decodeRoomFrame(encodeUpdateFrame('node-a', { room: ROOM, seq: 42, author: 'u-anna', update }, 1700000000000), ROOM, limits);
    expect(u).toEqual({ ok: true, value: { kind: 'update', nodeId: 'node-a', room: ROOM, seq: 42, author: 'u-anna', update, publishedAt: 1700000000000 } });
    const a = decodeRoomFrame(encodeAwarenessFrame('node-a', ROOM, new Uint8Array([9]), 5), ROOM, limits);
    expect(a).toEqual({ ok: true, value: { kind: 'awareness', nodeId: 'node-a', room: ROOM, data: new Uint8Array([9]), publishedAt: 5 } });
    const h = decodeRoomFrame(encodeHeadFrame('node-a', ROOM, 7, 5), ROOM, limits);
    expect(h).toEqual({ ok: true, value: { kind: 'head', nodeId: 'node-a', room: ROOM, seq: 7 } });
  });

  it('refuses what is malformed, oversized or not for this channel', () => {
    const good = encodeUpdateFrame('node-a', { room: ROOM, seq: 1, author: 'u-anna', update: new Uint8Array([1]) }, 1);
    const reason = (bytes: Uint8Array, room = ROOM) => {
      const r = decodeRoomFrame(bytes, room, limits);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason(good)).toBe('ok');
    expect(reason(good, 'f-zzzzzz.plan')).toBe('room');
    expect(reason(good.slice(0, good.length - 1))).toBe('malformed');
    expect(reason(new Uint8Array([...good, 0]))).toBe('trailing');
    expect(reason(new Uint8Array(2000))).toBe('too_large');
    expect(reason(new Uint8Array([]))).toBe('malformed');
    expect(reason(new Uint8Array([2, 1]))).toBe('version');
    expect(reason(encodeUpdateFrame('node a!', { room: ROOM, seq: 1, author: 'u-anna', update: new Uint8Array([1]) }, 1))).toBe('node_id');
    expect(reason(encodeUpdateFrame('node-a', { room: ROOM, seq: 0, author: 'u-anna', update: new Uint8Array([1]) }, 1))).toBe('seq');
    expect(reason(encodeUpdateFrame('node-a', { room: ROOM, seq: 1, author: 'Anna Jensen', update: new Uint8Array([1]) }, 1))).toBe('author');
    expect(reason(encodeUpdateFrame('node-a', { room: ROOM, seq: 1, author: 'u-anna', update: new Uint8Array([]) }, 1))).toBe('empty');
    const badRoom = encodeAwarenessFrame('node-a', '../etc', new Uint8Array([1]), 1);
    expect(reason(badRoom, '../etc')).toBe('room');
    const enc = encoding.createEncoder();
    for (const n of [1, 9]) encoding.writeVarUint(enc, n);
    encoding.writeVarString(enc, 'node-a');
    encoding.writeVarString(enc, ROOM);
    encoding.writeVarUint(enc, 1);
    expect(reason(encoding.toUint8Array(enc))).toBe('type');
  });
});

describe('control messages', () => {
  it('accept the three kinds and refuse anything else', () => {
    const ok: ControlMessage[] = [
      { kind: 'recheck' },
      { kind: 'recheck', userId: 'u-anna', familyId: 'fam-123456', reason: 'consent withdrawn' },
      { kind: 'session-ended', sessionHash: 'q5JX2h0dC9ix-abc_DEF' },
      { kind: 'access-events', userIds: ['u-anna', 'u-bo'] }
    ];
    for (const m of ok) expect(decodeControl(encodeControl('node-a', m))).toEqual({ ok: true, value: { nodeId: 'node-a', msg: m } });
    const bad: unknown[] = [
      null,
      [],
      { kind: 'drop-database' },
      { kind: 'recheck', familyId: 'X' },
      { kind: 'recheck', reason: 'x'.repeat(124) },
      { kind: 'recheck', extra: 1 },
      { kind: 'session-ended' },
      { kind: 'session-ended', sessionHash: 'has space' },
      { kind: 'access-events', userIds: [] },
      { kind: 'access-events', userIds: [1] },
      { kind: 'access-events', userIds: Array.from({ length: 1001 }, (_, i) => `u-${i}`) }
    ];
    for (const m of bad) expect(validateControl(m).ok).toBe(false);
    expect(decodeControl('{').ok).toBe(false);
    expect(decodeControl(JSON.stringify({ v: 1, nodeId: 'bad id', msg: { kind: 'recheck' } })).ok).toBe(false);
    expect(decodeControl(JSON.stringify({ v: 2, nodeId: 'node-a', msg: { kind: 'recheck' } })).ok).toBe(false);
    expect(decodeControl('x'.repeat(70_000)).ok).toBe(false);
  });

  it('an invalid recheck published here is widened to every socket, never dropped', () => {
    expect(outgoingControl({ kind: 'recheck', familyId: 'fam-123456', reason: 'ø'.repeat(100) })).toEqual({ ok: true, value: { kind: 'recheck' }, widened: true });
    expect(outgoingControl({ kind: 'session-ended', sessionHash: 'a b' }).ok).toBe(false);
  });
});

describe('LocalFanout', () => {
  it('loops control messages back synchronously and publishes nothing else', async () => {
    const lines: string[] = [];
    const f = new LocalFanout({ nodeId: 'solo', log: createLogger({ write: (l) => lines.push(l) }) });
    const got: Array<[ControlMessage, ControlOrigin]> = [];
    const off = f.onControl((m, o) => got.push([m, o]));
    f.onControl(() => {
      throw new Error('a broken handler');
    });
    f.subscribeRoom(ROOM, () => expect.unreachable());
    f.publishUpdate({ room: ROOM, seq: 1, author: 'u-anna', update: new Uint8Array([1]) });
    f.publishAwareness(ROOM, new Uint8Array([1]));
    f.publishControl({ kind: 'recheck', familyId: 'fam-123456', reason: 'consent withdrawn' });
    expect(got).toEqual([[{ kind: 'recheck', familyId: 'fam-123456', reason: 'consent withdrawn' }, { nodeId: 'solo', local: true }]]);
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['fanout.handler_failed']);
    f.publishControl({ kind: 'recheck', reason: '' });
    expect(got[1][0]).toEqual({ kind: 'recheck' });
    off();
    f.publishControl({ kind: 'session-ended', sessionHash: 'abc' });
    expect(got.length).toBe(2);
    expect(f.connected).toBe(true);
    await f.ping();
    await f.close();
  });
});
