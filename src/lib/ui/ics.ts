// A network meeting as a calendar invitation (RFC 5545 .ics, issue #16). The
// title says "Netværksmøde" and the meeting's own subject, never the family's
// name unless the worker asks for it: a calendar is often shared, synced to
// phones and read by others. No notes, decisions or participants' details go
// into it. Times are Copenhagen wall-clock times (TZID=Europe/Copenhagen with
// its VTIMEZONE); a meeting without a time is an all-day event.
import { addDaysToDay } from '../domain/today.ts';

export interface IcsMeeting {
  id: string;
  date: string; // yyyy-MM-dd
  time?: string; // HH:mm
  place?: string;
  title: string;
}

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
function text(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const bytes = new TextEncoder();
  const out: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = bytes.encode(ch).length;
    if (size + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

const compact = (day: string) => day.replace(/-/g, '');

const nextDay = (day: string) => addDaysToDay(day, 1);

const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Copenhagen',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE'
];

/**
 * The invitation. `label` is the neutral word for the event ("Netværksmøde");
 * `familyName` is added to the title only when given (the worker ticked it).
 * `now` stamps it (DTSTAMP); `minutes` is the length of a timed meeting.
 */
export function meetingIcs(m: IcsMeeting, opts: { label: string; familyName?: string; now: Date; minutes?: number }): string {
  const subject = m.title.trim();
  const title = [opts.label, subject && subject.toLowerCase() !== opts.label.toLowerCase() ? subject : '', opts.familyName ?? ''].filter(Boolean).join(' · ');
  const stamp = opts.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Familiens Plan//Netvaerksmoede//DA', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  const event = ['BEGIN:VEVENT', `UID:${m.id}@familiens-plan`, `DTSTAMP:${stamp}`];
  if (m.time && /^\d{2}:\d{2}$/.test(m.time)) {
    lines.push(...VTIMEZONE);
    const [h, min] = m.time.split(':').map(Number);
    const total = h * 60 + min + (opts.minutes ?? 60);
    // A meeting running past midnight ends on the next day.
    const endDay = total >= 24 * 60 ? nextDay(m.date) : m.date;
    const endMin = total % (24 * 60);
    const hhmm = (x: number) => `${String(Math.floor(x / 60)).padStart(2, '0')}${String(x % 60).padStart(2, '0')}00`;
    event.push(`DTSTART;TZID=Europe/Copenhagen:${compact(m.date)}T${hhmm(h * 60 + min)}`, `DTEND;TZID=Europe/Copenhagen:${compact(endDay)}T${hhmm(endMin)}`);
  } else {
    event.push(`DTSTART;VALUE=DATE:${compact(m.date)}`, `DTEND;VALUE=DATE:${compact(nextDay(m.date))}`);
  }
  event.push(`SUMMARY:${text(title)}`);
  if (m.place?.trim()) event.push(`LOCATION:${text(m.place.trim())}`);
  event.push('END:VEVENT');
  lines.push(...event, 'END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
