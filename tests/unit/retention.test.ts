// What retention keeps of a family for the leader overview, and its setting.
import { describe, expect, it } from 'vitest';
import { retainedSummary, RetentionService } from '../../server/retention.ts';
import { loadConfig } from '../../server/config.ts';

describe('retention', () => {
  it('keeps the past months of a summary and drops every person and the future', () => {
    const summary = {
      version: 9,
      takenOn: '2026-05-01',
      status: 'aktiv',
      levelsByMonth: { '2026-01': { raad: 2 } },
      outcomesByMonth: { '2026-02': { naaet: 1 } },
      feedbackByMonth: { '2026-03': { n: 1, sum: 4 } },
      openGoalTargets: ['2026-04-01'],
      openDue: { 'u-anna': ['2026-06-01'] },
      tovholder: { userId: 'u-anna', since: '2025-01-01' },
      upcomingMeetings: ['2026-06-10'],
      lastFeedback: { date: '2026-03-02', score: 4 }
    };
    const kept = JSON.parse(retainedSummary(JSON.stringify(summary)));
    expect(kept).toMatchObject({ status: 'afsluttet', openDue: {}, tovholder: null, upcomingMeetings: [] });
    expect(kept.levelsByMonth).toEqual(summary.levelsByMonth);
    expect(kept.outcomesByMonth).toEqual(summary.outcomesByMonth);
    expect(kept.feedbackByMonth).toEqual(summary.feedbackByMonth);
    expect(JSON.stringify(kept)).not.toContain('u-anna');
  });

  it('reads RETENTION_YEARS (default 5) and refuses 0 or less', () => {
    expect(loadConfig({}).retentionYears).toBe(5);
    expect(loadConfig({ RETENTION_YEARS: '10' }).retentionYears).toBe(10);
    expect(() => loadConfig({ RETENTION_YEARS: '0' })).toThrow(/RETENTION_YEARS/);
    expect(() => loadConfig({ RETENTION_YEARS: 'fem' })).toThrow(/RETENTION_YEARS/);
    expect(() => new RetentionService({ store: {} as never, years: 0, now: () => new Date(), familyDeleted: async () => {} })).toThrow(/RETENTION_YEARS/);
  });
});
