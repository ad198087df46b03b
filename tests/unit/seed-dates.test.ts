// The demo seed (server/seed.ts) dates nothing of a family before the day its
// case was opened: its consents, the goals whose target date has passed, the
// past meetings, the family's feedback and the journal entries all come after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteStore } from '../../server/store/sqlite.ts';
import { seedDemo, DEMO_TEAMS } from '../../server/seed.ts';
import { readFeedback, readGoals, readMeetings } from '../../src/lib/domain/plan.ts';
import { readEntries } from '../../src/lib/domain/journal.ts';
import { copenhagenDay } from '../../src/lib/domain/today.ts';
import { roomName, SECTORS } from '../../src/lib/shared/rooms.ts';
import type { FamilyRow } from '../../server/store/types.ts';

const now = new Date('2026-11-30T09:00:00Z');
const today = copenhagenDay(now);
let store: SqliteStore;
let families: FamilyRow[];

async function docOf(room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const u of await store.loadUpdates(room)) Y.applyUpdate(doc, u.data);
  return doc;
}

beforeAll(async () => {
  store = new SqliteStore(':memory:');
  await seedDemo(store, now);
  families = await store.familiesOfTeams(DEMO_TEAMS.map((t) => t.id));
});
afterAll(async () => {
  await store.close();
});

describe('the demo seed', () => {
  it('opens every case before anything in it is dated', async () => {
    expect(families.length).toBe(44);
    const early: string[] = [];
    for (const f of families) {
      const opened = copenhagenDay(new Date(f.createdAt));
      const before = (what: string, day: string | null) => {
        if (day !== null && day < opened) early.push(`${f.id}: ${what} ${day} before the opening ${opened}`);
      };
      for (const c of await store.consentsOfFamily(f.id)) {
        before('consent from', copenhagenDay(new Date(c.validFrom)));
        if (c.revokedAt) before('consent withdrawn', copenhagenDay(new Date(c.revokedAt)));
      }
      const plan = await docOf(roomName(f.id, 'plan'));
      for (const g of readGoals(plan)) if (g.targetDate && g.targetDate <= today) before('goal target', g.targetDate);
      for (const m of readMeetings(plan)) if (m.date <= today) before('meeting', m.date);
      for (const fb of readFeedback(plan)) before('feedback', fb.date);
      for (const sector of SECTORS) for (const e of readEntries(await docOf(roomName(f.id, sector)))) before(`${sector} journal entry`, e.date);
    }
    expect(early).toEqual([]);
  });
});
