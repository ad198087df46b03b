import { describe, expect, it } from 'vitest';
import { meetingIcs } from '../../src/lib/ui/ics.ts';

const now = new Date('2026-03-01T10:00:00.000Z');

describe('meetingIcs', () => {
  it('a timed meeting in Copenhagen time, without the family name', () => {
    const ics = meetingIcs({ id: 'm1', date: '2026-03-10', time: '14:30', place: 'Skolen, lokale 2', title: 'Opfølgning' }, { label: 'Netværksmøde', now });
    expect(ics).toContain('DTSTART;TZID=Europe/Copenhagen:20260310T143000\r\n');
    expect(ics).toContain('DTEND;TZID=Europe/Copenhagen:20260310T153000\r\n');
    expect(ics).toContain('SUMMARY:Netværksmøde · Opfølgning\r\n');
    expect(ics).toContain('LOCATION:Skolen\\, lokale 2\r\n');
    expect(ics).toContain('UID:m1@familiens-plan');
    expect(ics).toContain('DTSTAMP:20260301T100000Z');
    expect(ics).toContain('BEGIN:VTIMEZONE');
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics).not.toContain('Familien ');
  });

  it('the family name only when asked; an all-day event without a time', () => {
    const ics = meetingIcs({ id: 'm2', date: '2026-12-31', title: 'Netværksmøde' }, { label: 'Netværksmøde', familyName: 'Familien Nielsen', now });
    expect(ics).toContain('SUMMARY:Netværksmøde · Familien Nielsen\r\n');
    expect(ics).toContain('DTSTART;VALUE=DATE:20261231\r\n');
    expect(ics).toContain('DTEND;VALUE=DATE:20270101\r\n');
    expect(ics).not.toContain('VTIMEZONE');
  });

  it('a late meeting ends the next day; long lines are folded at 75 octets', () => {
    const ics = meetingIcs({ id: 'm3', date: '2026-03-10', time: '23:30', title: 'Æ'.repeat(60) }, { label: 'Netværksmøde', now });
    expect(ics).toContain('DTEND;TZID=Europe/Copenhagen:20260311T003000');
    for (const line of ics.split('\r\n')) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    expect(ics).toContain('\r\n Æ');
  });
});
