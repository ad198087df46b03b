// Concurrent edits made visible (issue "Plan history"): a merge that brings in
// a write to a field this user also wrote without seeing the other is recorded
// once per side, shown with both values and names, and acknowledged by anyone.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { acknowledgeClash, readClashes, watchConcurrentEdits } from '../../src/lib/domain/concurrent.ts';
import { addAction, addGoal, updateItem } from '../../src/lib/domain/plan.ts';

const RELAY = 'relay';
const flush = () => new Promise((r) => setTimeout(r, 0));

function device(user: string, clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const stop = watchConcurrentEdits(doc, { me: user, mine: (c) => c === clientID, isRemote: (o) => o === RELAY, now: () => new Date('2026-11-30T10:00:00Z') });
  return { doc, stop };
}

/** Everything each lacks, both ways, as the relay would deliver it. */
function sync(a: Y.Doc, b: Y.Doc) {
  const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(b, toB, RELAY);
  Y.applyUpdate(a, toA, RELAY);
}

function plan() {
  const anna = device('u-anna', 10);
  const bo = device('u-bo', 20);
  const goalId = addGoal(anna.doc, { title: 'Fast fremmøde', hopeId: null, targetDate: '2026-06-01', createdAt: '2026-11-01T00:00:00Z' });
  const actionId = addAction(anna.doc, { title: 'Hjemmebesøg', goalId, sector: 'social', party: null, ownerId: 'u-anna', ownerName: 'Anna', due: '2026-12-10', status: 'aaben', level: null, createdAt: '2026-11-01T00:00:00Z', createdBy: 'u-anna' });
  sync(anna.doc, bo.doc);
  return { anna, bo, actionId };
}

describe('concurrent edits', () => {
  it('records each side once, names both, and shows the value the plan kept', async () => {
    const { anna, bo, actionId } = plan();
    updateItem(anna.doc, 'actions', actionId, { due: '2026-12-12' }); // offline
    updateItem(bo.doc, 'actions', actionId, { due: '2026-12-14' });
    sync(anna.doc, bo.doc);
    await flush();
    sync(anna.doc, bo.doc); // each side's record reaches the other
    for (const d of [anna.doc, bo.doc]) {
      const [c] = readClashes(d);
      expect(readClashes(d)).toHaveLength(1);
      expect(c).toMatchObject({ section: 'actions', itemId: actionId, field: 'due', label: 'Hjemmebesøg', kept: '2026-12-14' });
      expect(c.sides).toEqual(expect.arrayContaining([{ by: 'u-anna', value: '2026-12-12' }, { by: 'u-bo', value: '2026-12-14' }]));
      expect(c.unnamedValue).toBeUndefined();
    }
  });

  it('says nothing about a later change that saw the earlier one, nor about two different fields', async () => {
    const { anna, bo, actionId } = plan();
    updateItem(anna.doc, 'actions', actionId, { due: '2026-12-12' });
    sync(anna.doc, bo.doc);
    updateItem(bo.doc, 'actions', actionId, { due: '2026-12-14' }); // bo saw anna's date
    updateItem(anna.doc, 'actions', actionId, { status: 'igang' });
    sync(anna.doc, bo.doc);
    await flush();
    expect(readClashes(anna.doc)).toEqual([]);
    expect(readClashes(bo.doc)).toEqual([]);
  });

  it('one acknowledgement clears it on every device', async () => {
    const { anna, bo, actionId } = plan();
    updateItem(anna.doc, 'actions', actionId, { ownerId: 'u-anna-2' });
    updateItem(bo.doc, 'actions', actionId, { ownerId: 'u-bo' });
    sync(anna.doc, bo.doc);
    await flush();
    sync(anna.doc, bo.doc);
    const [c] = readClashes(bo.doc);
    acknowledgeClash(bo.doc, c.key);
    sync(anna.doc, bo.doc);
    expect(readClashes(anna.doc)).toEqual([]);
    expect(readClashes(bo.doc)).toEqual([]);
  });

  it('before the other side has recorded itself, shows the other value unnamed', async () => {
    const { anna, bo, actionId } = plan();
    bo.stop(); // bo's device never notices (an older version, say)
    updateItem(anna.doc, 'actions', actionId, { due: '2026-12-12' });
    updateItem(bo.doc, 'actions', actionId, { due: '2026-12-14' });
    sync(anna.doc, bo.doc);
    await flush();
    const [c] = readClashes(anna.doc);
    expect(c.sides).toEqual([{ by: 'u-anna', value: '2026-12-12' }]);
    expect(c.unnamedValue).toBe('2026-12-14');
  });

  it('the kept side whose sync brings the other write without its value names it once the other side has recorded itself', async () => {
    // The relay merges anna's offline write before it answers her sync request:
    // bo's losing value is collected there, and anna's device receives his write without it.
    const anna = device('u-anna', 30); // the higher client id: anna's write is the one kept
    const bo = device('u-bo', 20);
    const relay = new Y.Doc();
    const goalId = addGoal(anna.doc, { title: 'Fast fremmøde', hopeId: null, targetDate: '2026-06-01', createdAt: '2026-11-01T00:00:00Z' });
    const actionId = addAction(anna.doc, { title: 'Hjemmebesøg', goalId, sector: 'social', party: null, ownerId: 'u-anna', ownerName: 'Anna', due: '2026-12-10', status: 'aaben', level: null, createdAt: '2026-11-01T00:00:00Z', createdBy: 'u-anna' });
    sync(anna.doc, relay);
    sync(relay, bo.doc);
    updateItem(anna.doc, 'actions', actionId, { due: '2026-12-12' }); // offline
    updateItem(bo.doc, 'actions', actionId, { due: '2026-12-14' });
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(bo.doc, Y.encodeStateVector(relay)));
    // anna is back: her write reaches the relay first, then the relay answers her.
    const annaWrite = Y.encodeStateAsUpdate(anna.doc, Y.encodeStateVector(relay));
    Y.applyUpdate(relay, annaWrite);
    Y.applyUpdate(anna.doc, Y.encodeStateAsUpdate(relay, Y.encodeStateVector(anna.doc)), RELAY);
    await flush();
    // Alone, anna's side says nothing: she cannot tell what bo wrote, nor whether it differed.
    expect(readClashes(anna.doc)).toEqual([]);
    Y.applyUpdate(bo.doc, annaWrite, RELAY); // the relay forwards anna's write to bo, value and all
    await flush();
    sync(anna.doc, relay);
    sync(relay, bo.doc);
    sync(anna.doc, relay);
    for (const d of [anna.doc, bo.doc]) {
      const [c] = readClashes(d);
      expect(readClashes(d)).toHaveLength(1);
      expect(c).toMatchObject({ itemId: actionId, field: 'due', kept: '2026-12-12' });
      expect(c.sides).toEqual(expect.arrayContaining([{ by: 'u-anna', value: '2026-12-12' }, { by: 'u-bo', value: '2026-12-14' }]));
      expect(c.unnamedValue).toBeUndefined();
    }
  });
});
