// summariseAccessLog: audit and authorship groups (per UTC hour) folded into
// one line per person, part, kind of access and day in Danish time.
import { describe, expect, it } from 'vitest';
import { summariseAccessLog } from '../../server/access-log.ts';
import type { AccessGroup } from '../../server/store/types.ts';

const group = (over: Partial<AccessGroup>): AccessGroup => ({
  userId: 'u-bo',
  userName: 'Bo Lindqvist',
  userSector: 'school',
  room: 'f-fam-123456.plan',
  action: 'change',
  hour: '2026-05-01T08',
  count: 1,
  firstAt: '2026-05-01T08:10:00.000Z',
  lastAt: '2026-05-01T08:20:00.000Z',
  ...over
});

describe('summariseAccessLog', () => {
  it('folds the hours of one Danish day into one line with the total and the first and last time', () => {
    const out = summariseAccessLog([
      group({ hour: '2026-05-01T08', count: 3 }),
      group({ hour: '2026-05-01T13', count: 4, firstAt: '2026-05-01T13:00:00.000Z', lastAt: '2026-05-01T13:59:00.000Z' })
    ]);
    expect(out).toEqual([
      {
        at: '2026-05-01T13:59:00.000Z',
        firstAt: '2026-05-01T08:10:00.000Z',
        day: '2026-05-01',
        userId: 'u-bo',
        userName: 'Bo Lindqvist',
        userSector: 'school',
        room: 'f-fam-123456.plan',
        part: 'plan',
        action: 'change',
        count: 7
      }
    ]);
  });

  it('uses Danish days: 22:30 UTC in summer is the next day, in winter the same day', () => {
    const summer = summariseAccessLog([group({ hour: '2026-05-01T22', firstAt: '2026-05-01T22:30:00.000Z', lastAt: '2026-05-01T22:30:00.000Z' })]);
    expect(summer[0].day).toBe('2026-05-02');
    const winter = summariseAccessLog([group({ hour: '2026-01-10T22', firstAt: '2026-01-10T22:30:00.000Z', lastAt: '2026-01-10T22:30:00.000Z' })]);
    expect(winter[0].day).toBe('2026-01-10');
    const split = summariseAccessLog([group({ hour: '2026-05-01T21' }), group({ hour: '2026-05-01T22' })]);
    expect(split.map((e) => e.day).sort()).toEqual(['2026-05-01', '2026-05-02']);
  });

  it('maps audit actions to what the family reads, keeps kinds apart, and leaves out the seed and unknown actions', () => {
    const out = summariseAccessLog([
      group({ action: 'open-write' }),
      group({ action: 'open-read' }),
      group({ action: 'sync-read' }),
      group({ action: 'open-offline' }),
      group({ action: 'update-dropped', room: 'f-fam-123456.health' }),
      group({ action: 'consent-recorded', room: null, userId: 'u-anna', userName: 'Anna Holm', userSector: 'social' }),
      group({ action: 'login' }),
      group({ action: 'change', userId: 'seed', userName: null, userSector: null })
    ]);
    const kinds = out.map((e) => `${e.action}:${e.part ?? '-'}:${e.count}`).sort();
    expect(kinds).toEqual(['change-refused:health:1', 'consent-recorded:-:1', 'open-offline:plan:1', 'open:plan:2', 'sync:plan:1']);
  });

  it('sorts newest first', () => {
    const out = summariseAccessLog([
      group({ action: 'open-write', lastAt: '2026-05-01T08:00:00.000Z' }),
      group({ action: 'change', hour: '2026-05-02T08', lastAt: '2026-05-02T08:00:00.000Z' })
    ]);
    expect(out.map((e) => e.action)).toEqual(['change', 'open']);
  });
});
