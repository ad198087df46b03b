// What several specs check in a browser page: no serious accessibility
// violations, whether the relay lets this page's session into a room, and what
// the browser profile still holds of a family after its access ended.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const wcag21aa = (page: Page) => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();

/** Every WCAG 2.1 A/AA violation on the page (axe-core), whatever its impact, as "rule: element" lines. */
export async function wcagViolations(page: Page): Promise<string[]> {
  return (await wcag21aa(page)).violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

/** WCAG 2.1 AA with axe-core: no serious or critical violations, and the checks ran on real content. */
export async function expectAxeClean(page: Page, what: string) {
  const results = await wcag21aa(page);
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  expect(serious, `${what}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
  expect(results.passes.length, what).toBeGreaterThan(10);
}

/**
 * Text that runs past its own element's border (a button squeezed by a long title, a long word in a narrow tile):
 * "tag.class "text" +px" for each such element; clipped (visually hidden) text and boxes that scroll sideways on purpose left out.
 */
export function textPastItsBox(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('.scroll, .visually-hidden, [hidden], svg, select, input, textarea')) continue;
      const style = getComputedStyle(el);
      // Hidden for the eye, read by screen readers (.visually-hidden, SvelteKit's route announcer): clipped.
      if (style.position === 'absolute' && (style.clip !== 'auto' || style.clipPath !== 'none')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0) continue;
      for (const node of el.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE || !node.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const text = range.getBoundingClientRect();
        if (text.right > box.right + 0.5 || text.left < box.left - 0.5) {
          out.push(`${el.tagName.toLowerCase()}.${el.className} "${node.textContent.trim().slice(0, 30)}" +${Math.round(Math.max(text.right - box.right, box.left - text.left))}`);
          break;
        }
      }
    }
    return out;
  });
}

/** Opens a WebSocket to a room from the page, with its session: 'open' or 'refused'. */
export function socketFromPage(page: Page, room: string): Promise<'open' | 'refused'> {
  return page.evaluate(
    (room) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/sync/${room}?device=e2e`);
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onerror = () => resolve('refused');
      }),
    room
  );
}

/** The names of the IndexedDB databases this browser profile holds (rooms are `f-…`, a user's index `fp-index-…`), sorted. */
export const databaseNames = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort());

/** The databases that hold family data: rooms' copies (`f-…`) and users' indexes (`fp-index-…`). */
export const familyDatabases = (page: Page) => databaseNames(page).then((names) => names.filter((n) => n.startsWith('f-') || n.startsWith('fp-index-')));

/**
 * What this browser profile holds of a family: the y-indexeddb databases of
 * `familyRooms`, and the user's Dexie rows (families, rooms, actions, access
 * log entries waiting to be sent).
 */
export function localCopy(page: Page, userId: string, familyId: string, familyRooms: readonly string[]) {
  return page.evaluate(
    async ({ userId, familyId, familyRooms }) => {
      const names = (await indexedDB.databases()).map((d) => d.name ?? '');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(`fp-index-${userId}`);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const all = (store: string) =>
        new Promise<Record<string, unknown>[]>((resolve, reject) => {
          const r = db.transaction(store, 'readonly').objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result as Record<string, unknown>[]);
          r.onerror = () => reject(r.error);
        });
      const out = {
        databases: names.filter((n) => familyRooms.includes(n)).sort(),
        families: (await all('families')).filter((f) => f.id === familyId).length,
        rooms: (await all('rooms')).filter((r) => r.familyId === familyId).map((r) => String(r.room)).sort(),
        actions: (await all('actions')).filter((a) => a.familyId === familyId).length,
        accessOutbox: (await all('accessOutbox')).filter((e) => familyRooms.includes(String(e.room))).length
      };
      db.close();
      return out;
    },
    { userId, familyId, familyRooms: [...familyRooms] }
  );
}
