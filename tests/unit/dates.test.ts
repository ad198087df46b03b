// Relative and plain dates in both catalogues' languages (Intl; date-fns only as the reference in tests).
import { describe, expect, it } from 'vitest';
import { addDays, differenceInCalendarDays, format, parseISO } from 'date-fns';
import { da } from 'date-fns/locale';
import { TZDate } from '@date-fns/tz';
import { daysFromToday, durationSince, longDay, relativeDay, relativeInstant, shortDay, todayDay } from '../../src/lib/i18n/dates.ts';
import { fmt, formatDay, sentence, formatDayShort, formatMonthLong, formatMonthShort } from '../../src/lib/i18n/format.ts';
import { addDaysToDay, copenhagenDay } from '../../src/lib/domain/today.ts';

const today = new Date(2026, 10, 24, 15, 30);

describe('relative days', () => {
  it('Danish: days up to two weeks, then weeks, months, years', () => {
    expect(relativeDay('2026-11-27', today, 'da')).toBe('om 3 dage');
    expect(relativeDay('2026-11-10', today, 'da')).toBe('for 14 dage siden');
    expect(relativeDay('2026-11-03', today, 'da')).toBe('for 3 uger siden');
    expect(relativeDay('2026-12-08', today, 'da')).toBe('om 14 dage');
    expect(relativeDay('2026-12-09', today, 'da')).toBe('om 2 uger');
    expect(relativeDay('2027-02-24', today, 'da')).toBe('om 3 måneder');
    expect(relativeDay('2024-11-24', today, 'da')).toBe('for 2 år siden');
  });

  it('counts calendar days like date-fns, across months, years and DST changes', () => {
    for (const now of [today, new Date(2026, 2, 29, 1, 30), new Date(2026, 9, 25, 23, 59), new Date(2024, 1, 29, 0, 0)]) {
      for (const day of ['2026-03-28', '2026-03-29', '2026-03-30', '2026-10-25', '2026-10-26', '2024-02-29', '2025-01-01', '2027-12-31']) {
        expect(daysFromToday(day, now)).toBe(differenceInCalendarDays(parseISO(day), now));
      }
    }
  });

  it('English', () => {
    expect(relativeDay('2026-11-24', today, 'en')).toBe('today');
    expect(relativeDay('2026-11-25', today, 'en')).toBe('tomorrow');
    expect(relativeDay('2026-11-10', today, 'en')).toBe('14 days ago');
    expect(relativeDay('2026-12-10', today, 'en')).toBe('in 2 weeks');
  });

  it('writes each count of days once per language: the same day in the other language is that language\'s text', () => {
    expect(relativeDay('2026-11-27', today, 'da')).toBe('om 3 dage');
    expect(relativeDay('2026-11-27', today, 'en')).toBe('in 3 days');
    expect(relativeDay('2026-11-27', today, 'da')).toBe('om 3 dage');
    // Past the kept texts' limit (4,096) it starts again and still writes every count right.
    for (let n = 0; n < 5000; n++) relativeDay(addDaysToDay('2026-11-24', n), today, 'da');
    expect(relativeDay('2026-12-08', today, 'da')).toBe('om 14 dage');
    expect(relativeDay('2026-11-10', today, 'en')).toBe('14 days ago');
  });

  it('plain dates and templates', () => {
    expect(longDay('2026-03-12', 'da')).toBe('12. mar. 2026');
    expect(longDay('2026-03-12', 'en')).toBe('12 Mar 2026');
    expect(fmt('{name} er tovholder, {name}!', { name: 'Anna' })).toBe('Anna er tovholder, Anna!');
    expect(fmt('{x} og {y}', { x: 1 })).toBe('1 og {y}');
  });

  it('ends a sentence once, also after a date that ends in a full stop', () => {
    expect(sentence('Bo ændrede fristen: 1. dec. → 15. dec.')).toBe('Bo ændrede fristen: 1. dec. → 15. dec.');
    expect(sentence('Bo ændrede titlen: A → B')).toBe('Bo ændrede titlen: A → B.');
    expect(sentence('Hvem? ')).toBe('Hvem?');
  });
});

describe('relativeInstant and durationSince (Intl, no date-fns)', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it('says how long ago in Danish and English', () => {
    expect(relativeInstant('2026-11-30T11:55:00Z', now, 'da')).toBe('for 5 minutter siden');
    expect(relativeInstant('2026-11-28T12:00:00Z', now, 'da')).toBe('i forgårs');
    expect(relativeInstant('2026-11-30T09:00:00Z', now, 'en')).toBe('3 hours ago');
    expect(relativeInstant('2026-11-30T11:59:58Z', now, 'da')).toMatch(/sekund/);
  });
  it('keeps its texts apart by language and unit', () => {
    expect(relativeInstant('2026-11-30T09:00:00Z', now, 'da')).toBe('for 3 timer siden');
    expect(relativeInstant('2026-11-30T09:00:00Z', now, 'en')).toBe('3 hours ago');
    expect(relativeInstant('2026-11-27T12:00:00Z', now, 'en')).toBe('3 days ago');
  });
  it('says how long, without a frame', () => {
    expect(durationSince('2026-11-30T09:00:00Z', now, 'da')).toBe('3 timer');
    expect(durationSince('2026-11-29T12:00:00Z', now, 'en')).toBe('1 day');
  });
});

describe('dates through Intl write what date-fns wrote', () => {
  const days = ['2026-01-03', '2026-02-28', '2026-05-01', '2026-09-15', '2026-12-31', '2024-02-29'];
  it('the Danish day and month forms', () => {
    for (const d of days) {
      expect(formatDay(d)).toBe(format(parseISO(d), 'd. MMM yyyy', { locale: da }));
      expect(longDay(d, 'da')).toBe(format(parseISO(d), 'd. MMM yyyy', { locale: da }));
      expect(shortDay(d, 'da')).toBe(format(parseISO(d), 'd. MMM', { locale: da }));
      expect(formatDayShort(d)).toBe(format(parseISO(d), 'd.M.yyyy'));
      expect(formatMonthShort(d.slice(0, 7))).toBe(format(parseISO(d.slice(0, 7) + '-01'), 'MMM yy', { locale: da }));
      expect(formatMonthLong(d.slice(0, 7))).toBe(format(parseISO(d.slice(0, 7) + '-01'), 'MMMM yyyy', { locale: da }));
    }
    expect(formatDay(null)).toBe('–');
    expect(longDay('ikke en dato', 'da')).toBe('ikke en dato');
  });

  it('the Copenhagen day of an instant, across both DST changes and midnight', () => {
    for (const iso of ['2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-10-24T21:59:59Z', '2026-10-24T22:00:00Z', '2026-10-25T22:59:59Z', '2026-10-25T23:00:00Z', '2026-12-31T23:00:00Z', '2026-06-30T21:59:00Z']) {
      const at = new Date(iso);
      expect(copenhagenDay(at)).toBe(format(new TZDate(at.getTime(), 'Europe/Copenhagen'), 'yyyy-MM-dd'));
    }
  });

  it('calendar-day arithmetic and today on the device', () => {
    for (const d of days) for (const n of [-400, -1, 0, 1, 6, 31]) expect(addDaysToDay(d, n)).toBe(format(addDays(parseISO(d), n), 'yyyy-MM-dd'));
    for (const at of [new Date(2026, 0, 1, 0, 0), new Date(2026, 2, 29, 2, 30), new Date(2026, 11, 31, 23, 59)]) expect(todayDay(at)).toBe(format(at, 'yyyy-MM-dd'));
  });
});
