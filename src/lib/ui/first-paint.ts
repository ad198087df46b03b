// The caseload's screen, kept for the next load's first paint (issue #19).
// On a tablet the app's code takes most of a second to load and start before
// the caseload's list is drawn; the shell's small script (src/first-paint.js)
// shows the screen kept here meanwhile, inert, and the app removes it as soon
// as it draws the list itself (or goes anywhere else).
//
// Kept only as a load starts: no search, the first filter and order, the first
// page of cards. Sealed with the device key like every other copy of family
// data (DESIGN §13), with the caseload copy's fence as the rows were read: a
// write to the family rows since (a sync, a purge) moves the fence, and then
// the kept screen is not shown. A deletion removes it with the copy.
//
// Loaded when the page is idle, and imports nothing: a module the first load
// already has, imported from here, would be split into a chunk of its own
// (initial JS, DESIGN §9). The page seals and stores what this gives it
// (sealed-rows.ts keepCaseloadView, under the context src/first-paint.js
// opens it with).
import type { FamilyRow, LocalDb } from '#lib/storage/db.ts';

/** What src/first-paint.js checks before it shows the kept screen. */
export interface KeptView {
  userId: string;
  /**
   * From when until when (ms since the epoch) it may be shown: from the time it was kept to the end of that
   * Copenhagen day, as the cards' "om 3 dage" hold for that day only, or to the first consent or grant that runs
   * out before (instants, so that the shell's script needs no time zone)
   */
  from: number;
  until: number;
  /** the language chosen on this device (localStorage "locale"), as the app reads it */
  locale: string | null;
  /** the app's build, as the shell names it (its meta tag "fp-build", SvelteKit's version): another build's markup is not shown */
  build: string;
  html: string;
}

/** The end of the Copenhagen day `now` is in (by `dayOf`, the app's copenhagenDay): the first quarter hour (UTC) on the next day, as local midnight is one. */
export function endOfDay(now: Date, dayOf: (instant: Date) => string): number {
  const today = dayOf(now);
  const quarter = 15 * 60_000;
  let t = Math.ceil(now.getTime() / quarter) * quarter;
  while (dayOf(new Date(t)) === today) t += quarter;
  return t;
}

/**
 * What may have changed by the next load, kept for its space but not shown: the sync state, the unread count and a
 * card's "never synced" and "last synced …" (the rooms' syncs do not move the fence).
 */
const HIDE = '[data-global-sync], [data-unread], [data-never-synced], [data-last-synced]';

/**
 * The app's screen as HTML, without what may have changed by the next load or
 * is not the rows': messages and alerts and the parts marked
 * `data-first-paint="omit"` (families waiting to be sent, incoming transfers)
 * left out; HIDE kept for its space but not shown, and without its data and
 * ARIA attributes.
 */
export function screenHtml(root: Element): string {
  const clone = root.cloneNode(true) as Element;
  for (const el of clone.querySelectorAll(HIDE)) {
    for (const a of [...el.attributes]) if (a.name.startsWith('data-') || a.name.startsWith('aria-') || a.name === 'role') el.removeAttribute(a.name);
    el.setAttribute('style', 'visibility: hidden');
  }
  for (const el of clone.querySelectorAll('script, [role="alert"], [role="status"], [data-first-paint="omit"]')) el.remove();
  return clone.innerHTML;
}

/**
 * The app's screen now, as the next load may show it (null: not a page the shell's script would show it on, or a
 * family on it whose consent or grant has run out and is about to go). It may be shown until the end of the day or
 * until the first consent or grant on this device runs out, whichever comes first: by then the app removes that
 * family, and the kept screen must not show it again.
 */
export async function keptView(db: LocalDb, rows: readonly FamilyRow[], userId: string, dayOf: (instant: Date) => string): Promise<KeptView | null> {
  const root = document.querySelector('[data-app-root]');
  const build = document.querySelector('meta[name="fp-build"]')?.getAttribute('content');
  if (!root || !build) return null;
  // The screen as it is now, before anything is awaited: a search typed meanwhile is not what a load starts with.
  const html = screenHtml(root);
  const now = new Date();
  const rooms = await db.rooms.toArray();
  const ends = [...rooms.map((r) => r.until), ...rows.flatMap((r) => [r.grantUntil, r.consentUntil])].flatMap((u) => (u ? [Date.parse(u)] : []));
  const until = Math.min(endOfDay(now, dayOf), ...ends);
  if (!(until > now.getTime())) return null;
  return { userId, from: now.getTime(), until, locale: localStorage.getItem('locale'), build, html };
}
