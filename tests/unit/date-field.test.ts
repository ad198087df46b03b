import { describe, expect, it } from 'vitest';
import { fieldDay, longDay, parseFieldDay, parseFieldTime } from '../../src/lib/i18n/dates.ts';
import { EditBursts, QUIET_MS } from '../../src/lib/sync/edit-bursts.ts';

describe('one Danish date format', () => {
  it('writes dates in text as "30. nov. 2026" and in fields as dd.mm.åååå', () => {
    expect(longDay('2026-11-30', 'da')).toBe('30. nov. 2026');
    expect(longDay('2027-05-03', 'da')).toBe('3. maj 2027');
    expect(fieldDay('2026-11-30')).toBe('30.11.2026');
  });

  it('reads what a person types in a date field, whatever the browser’s locale', () => {
    for (const typed of ['30.11.2026', '30/11/2026', '30-11-2026', '30. 11. 2026', '30112026', '30.11.26', '2026-11-30', ' 30.11.2026 ']) {
      expect(parseFieldDay(typed), typed).toBe('2026-11-30');
    }
    expect(parseFieldDay('3.1.2027')).toBe('2027-01-03');
    expect(parseFieldDay('')).toBe('');
  });

  it('refuses what is not a date, and days that do not exist', () => {
    for (const typed of ['31.11.2026', '29.02.2027', '11/30/2026', '30.13.2026', 'i morgen', '30.11', '2026-02-30', '1.1.1800']) {
      expect(parseFieldDay(typed), typed).toBeNull();
    }
    expect(parseFieldDay('29.02.2028')).toBe('2028-02-29');
  });

  it('reads a time of day typed with a colon or a dot, and refuses one that is not', () => {
    for (const [typed, time] of [['14:30', '14:30'], ['14.30', '14:30'], ['9:05', '09:05'], [' 08.00 ', '08:00'], ['', '']]) {
      expect(parseFieldTime(typed), typed).toBe(time);
    }
    for (const typed of ['25:00', '12:60', '1430', 'kl. 10', '10', '2:3']) expect(parseFieldTime(typed), typed).toBeNull();
  });
});

describe('pending changes as a person counts them', () => {
  it('counts a typed sentence as one change, and a later action as another', () => {
    let now = 0;
    const bursts = new EditBursts(() => now);
    bursts.edit(); // adds an action
    now += QUIET_MS + 1000;
    for (let i = 0; i < 40; i++) {
      now += 150; // a keystroke
      bursts.edit();
    }
    expect(bursts.count).toBe(2);
    bursts.reset();
    now += 10;
    expect(bursts.edit()).toBe(true);
    expect(bursts.count).toBe(1);
  });
});
