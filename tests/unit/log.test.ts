// The structured logger: one JSON line per event, ids and codes only — a string
// that is not id-shaped (a name, a sentence, plan text) is written as
// "[redacted]", error messages are never logged.
import { describe, expect, it } from 'vitest';
import { code, createLogger, errorFields, id, type SafeString } from '../../server/log.ts';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const log = createLogger({ level, write: (l) => lines.push(l), now: () => new Date('2026-03-01T10:00:00.000Z') });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l)) };
}

describe('log', () => {
  it('writes one JSON line per event with t, level, event and fields', () => {
    const { log, lines, parsed } = capture();
    log.info('fanout.reconnected', { rooms: 3, room: id('f-abcdef.plan'), ok: true, none: null, skipped: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(parsed()[0]).toEqual({ t: '2026-03-01T10:00:00.000Z', level: 'info', event: 'fanout.reconnected', rooms: 3, room: 'f-abcdef.plan', ok: true, none: null });
  });

  it('redacts anything that is not an id or a code, even when the type is bypassed', () => {
    const { log, parsed } = capture();
    log.warn('x.y', { name: id('Anna Jensen'), text: 'Familien ønsker at flytte' as SafeString, obj: { a: 1 } as unknown as SafeString, n: Number.NaN });
    expect(parsed()[0]).toMatchObject({ name: '[redacted]', text: '[redacted]', obj: '[redacted]', n: null });
  });

  it('keeps its own keys, refuses odd field names and event names', () => {
    const { log, parsed } = capture();
    log.error('Not An Event!', { level: code('debug'), t: 1, 'bad key': 1, good_key: 2 });
    expect(parsed()[0]).toEqual({ t: '2026-03-01T10:00:00.000Z', level: 'error', event: 'log.invalid_event', good_key: 2 });
  });

  it('logs an error by class and code, never its message', () => {
    const err = Object.assign(new Error('duplicate key (name)=(Anna Jensen)'), { code: '23505', detail: 'Key (name)=(Anna Jensen) already exists.' });
    const fields = errorFields(err);
    expect(fields).toEqual({ errName: 'Error', errCode: '23505', errAt: expect.stringMatching(/^tests\/unit\/log\.test\.ts:\d+:\d+$/) });
    expect(JSON.stringify(fields)).not.toContain('Anna');
    // A message that spans lines and looks like a frame is still not where the error was thrown.
    const tricky = new Error('Anna\n    at (Anna Jensen:1:1)');
    expect(errorFields(tricky).errAt).toMatch(/^tests\/unit\/log\.test\.ts:\d+:\d+$/);
    expect(errorFields({ stack: 'x' } as unknown)).toEqual({ errName: 'object' });
    expect(errorFields('boom')).toEqual({ errName: 'string' });
  });

  it('filters by level and carries child fields', () => {
    const { log, parsed } = capture('warn');
    const child = log.child({ nodeId: id('node-a') });
    child.info('dropped.event');
    child.warn('kept.event', { n: 1 });
    expect(parsed()).toEqual([{ t: '2026-03-01T10:00:00.000Z', level: 'warn', event: 'kept.event', nodeId: 'node-a', n: 1 }]);
  });

  it('a failing sink does not throw into the caller', () => {
    const log = createLogger({ write: () => { throw new Error('EPIPE'); } });
    expect(() => log.error('x.y')).not.toThrow();
  });
});
