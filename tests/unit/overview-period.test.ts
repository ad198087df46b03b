// The overview's period (from/to as year-month): the default is the last six
// months up to the current month in Copenhagen, and bad input is refused.
import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../server/overview.ts';

describe('parsePeriod', () => {
  it('defaults to the six months up to this Copenhagen month, across a year', () => {
    // 23:30 UTC on 31 January is already 1 February in Copenhagen.
    const p = parsePeriod(null, null, new Date('2026-01-31T23:30:00Z'));
    expect(p).toEqual({ from: '2025-09', to: '2026-02', months: ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02'] });
    expect(parsePeriod(null, null, new Date('2026-01-31T22:30:00Z'))).toMatchObject({ to: '2026-01' });
  });

  it('takes one end and fills in the other', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    expect(parsePeriod('2026-03', null, now)).toMatchObject({ from: '2026-03', to: '2026-06' });
    expect(parsePeriod(null, '2025-12', now)).toMatchObject({ from: '2025-07', to: '2025-12' });
  });

  it('refuses what is not a period, saying what is wrong with it', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    for (const [from, to, problem] of [
      ['2026-13', null, 'period_from_format'],
      ['2026-00', null, 'period_from_format'],
      ['2026-1', null, 'period_from_format'],
      ['26-01', null, 'period_from_format'],
      [null, '2026-1', 'period_to_format'],
      ['2026-05', '2026-04', 'period_order'],
      ['2023-01', '2026-01', 'period_too_long'],
      ['2026-01-01', null, 'period_from_format'],
      ["2026-01' OR 1=1", null, 'period_from_format']
    ] as const) {
      expect(parsePeriod(from, to, now), `${from}..${to}`).toBe(problem);
    }
    expect(parsePeriod('2023-02', '2026-01', now)).toMatchObject({ months: { length: 36 } });
  });
});
