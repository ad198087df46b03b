import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  answerTovholderProposal,
  newPlanDoc,
  openTovholderProposal,
  proposeTovholder,
  readTovholderState,
  setTovholder
} from '../../src/lib/domain/plan.ts';

const meta = { name: 'Familien Test', district: 'Nord', teamId: 't1', status: 'aktiv' as const };

function planWithAnna() {
  const doc = newPlanDoc(meta);
  setTovholder(doc, { userId: 'anna', name: 'Anna', since: '2026-01-01', note: '', setBy: 'anna', setAt: '2026-01-01T08:00:00Z' });
  return doc;
}

describe('tovholder handover proposals', () => {
  it('keeps the old tovholder until the proposed worker accepts, then records both steps', () => {
    const doc = planWithAnna();
    const id = proposeTovholder(doc, { userId: 'bo', name: 'Bo', since: '2026-03-01', note: 'Skolen ringer om fredagen', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    expect(readTovholderState(doc).current?.userId).toBe('anna');
    expect(openTovholderProposal(doc)?.userId).toBe('bo');

    expect(answerTovholderProposal(doc, id, { outcome: 'accepted', by: 'bo', at: '2026-02-02T09:00:00Z', today: '2026-02-02' })).toBe(true);
    const state = readTovholderState(doc);
    expect(state.current).toMatchObject({ userId: 'bo', name: 'Bo', since: '2026-03-01', note: 'Skolen ringer om fredagen' });
    expect(state.history.map((h) => h.userId)).toEqual(['anna']);
    expect(state.proposals).toHaveLength(1);
    expect(state.proposals?.[0]).toMatchObject({ outcome: 'accepted', decidedBy: 'bo', proposedBy: 'anna' });
    expect(openTovholderProposal(doc)).toBeNull();
    // Answering twice does nothing.
    expect(answerTovholderProposal(doc, id, { outcome: 'declined', by: 'bo', at: '2026-02-03T09:00:00Z', today: '2026-02-03', reason: 'x' })).toBe(false);
  });

  it('a proposed day in the past takes effect on the day it is accepted', () => {
    const doc = planWithAnna();
    const id = proposeTovholder(doc, { userId: 'bo', name: 'Bo', since: '2026-02-01', note: '', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    answerTovholderProposal(doc, id, { outcome: 'accepted', by: 'bo', at: '2026-02-10T09:00:00Z', today: '2026-02-10' });
    expect(readTovholderState(doc).current?.since).toBe('2026-02-10');
  });

  it('declining needs a reason and keeps the old tovholder', () => {
    const doc = planWithAnna();
    const id = proposeTovholder(doc, { userId: 'bo', name: 'Bo', since: '2026-03-01', note: '', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    expect(() => answerTovholderProposal(doc, id, { outcome: 'declined', by: 'bo', at: '2026-02-02T09:00:00Z', today: '2026-02-02', reason: '  ' })).toThrow(RangeError);
    answerTovholderProposal(doc, id, { outcome: 'declined', by: 'bo', at: '2026-02-02T09:00:00Z', today: '2026-02-02', reason: 'For mange familier' });
    const state = readTovholderState(doc);
    expect(state.current?.userId).toBe('anna');
    expect(state.proposals?.[0]).toMatchObject({ outcome: 'declined', reason: 'For mange familier' });
  });

  it('a new proposal withdraws the open one; concurrent answers converge', () => {
    const doc = planWithAnna();
    const first = proposeTovholder(doc, { userId: 'bo', name: 'Bo', since: '2026-03-01', note: '', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    proposeTovholder(doc, { userId: 'cia', name: 'Cia', since: '2026-03-01', note: '', by: 'anna', byName: 'Anna', at: '2026-02-01T10:00:00Z' });
    expect(openTovholderProposal(doc)?.userId).toBe('cia');
    expect(readTovholderState(doc).proposals?.find((p) => p.id === first)?.outcome).toBe('withdrawn');

    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const open = openTovholderProposal(doc)!;
    answerTovholderProposal(doc, open.id, { outcome: 'accepted', by: 'cia', at: '2026-02-02T09:00:00Z', today: '2026-02-02' });
    answerTovholderProposal(other, open.id, { outcome: 'withdrawn', by: 'anna', at: '2026-02-02T09:00:01Z', today: '2026-02-02' });
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    expect(readTovholderState(doc)).toEqual(readTovholderState(other));
  });

  it('ignores malformed entries written by another device', () => {
    const doc = planWithAnna();
    doc.getMap('tovholderProposals').set('junk', new Y.Map());
    expect(readTovholderState(doc).proposals).toEqual([]);
  });
});
