// The plan page's pieces without a browser: the room-opening lifecycle
// (plan-room.ts), a journal tab's room (journal-room.ts) and the row weights
// the progressive rendering counts in.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addEntry } from '../../src/lib/domain/journal.ts';
import type { RoomDecision } from '../../src/lib/sync/room-access.ts';
import { openPlanRoom } from '../../src/lib/ui/plan-room.ts';
import { openJournalRoom } from '../../src/lib/ui/journal-room.ts';
import { goalRowWeights } from '../../src/lib/ui/plan-page.svelte.ts';

function harness(decision: RoomDecision, copy: unknown, alongside?: Promise<unknown>, settled = false) {
  const log: string[] = [];
  const frames: (() => void)[] = [];
  const view = { doc: { destroy: () => log.push('doc destroyed') }, destroy: () => log.push('view destroyed') };
  const close = openPlanRoom<typeof view, string>(
    {
      // The family row's read (`alongside`) joins the opening's reads, as plan-opening.ts does.
      reads: Promise.all([decision, copy, alongside]).then(([d, c]) => ({ decision: d, copy: c })),
      settled: settled ? { decision, copy } : null,
      newView: (c) => {
        log.push(`view ${c ? 'from copy' : 'empty'}`);
        return view;
      },
      openRoom: () => {
        log.push('room opened');
        return 'room';
      },
      closeRoom: (r) => log.push(`${r} closed`),
      sweep: () => log.push('sweep'),
      afterNextFrame: (run) => {
        frames.push(run);
        return () => log.push('frame cancelled');
      }
    },
    { denied: () => log.push('denied'), view: () => log.push('shown'), room: () => log.push('room shown') }
  );
  return { log, frames, close, tick: () => new Promise((r) => setTimeout(r, 0)) };
}

describe('openPlanRoom', () => {
  it('a denied plan gets no view and no socket', async () => {
    const h = harness('denied', null);
    await h.tick();
    h.close();
    expect(h.log).toEqual(['denied']);
  });

  it('without a stored copy the room opens at once; closing hands the document to the room', async () => {
    const h = harness('indexed', null);
    await h.tick();
    h.close();
    expect(h.log).toEqual(['view empty', 'shown', 'room opened', 'room shown', 'view destroyed', 'room closed']);
  });

  it('the view waits for the other reads its first frame shows (the family row)', async () => {
    let read!: () => void;
    const h = harness('indexed', { name: 'copy' }, new Promise<void>((r) => (read = r)));
    await h.tick();
    expect(h.log).toEqual([]);
    read();
    await h.tick();
    expect(h.log).toEqual(['view from copy', 'shown']);
    h.close();
  });

  it('reads already in: the view is built in the call itself (the render that mounts the page shows the plan)', () => {
    const h = harness('indexed', { name: 'copy' }, new Promise(() => {}), true);
    expect(h.log).toEqual(['view from copy', 'shown']);
    h.frames[0]();
    expect(h.log).toEqual(['view from copy', 'shown', 'room opened', 'room shown']);
    h.close();
  });

  it('with a stored copy the room waits for the copy to be painted; leaving before that opens nothing', async () => {
    const h = harness('listed', { name: 'copy' });
    await h.tick();
    expect(h.log).toEqual(['sweep', 'view from copy', 'shown']);
    h.close();
    expect(h.log.slice(3)).toEqual(['frame cancelled', 'view destroyed', 'doc destroyed']);
    const painted = harness('indexed', { name: 'copy' });
    await painted.tick();
    painted.frames[0]();
    expect(painted.log).toEqual(['view from copy', 'shown', 'room opened', 'room shown']);
  });

  it('leaving before the decision arrives does nothing at all', async () => {
    const h = harness('indexed', null);
    h.close();
    await h.tick();
    expect(h.log).toEqual([]);
  });
});

describe('openJournalRoom', () => {
  it('reads the entries on every change and clears them when the tab closes', () => {
    const doc = new Y.Doc();
    const seen: number[] = [];
    const rooms: string[] = [];
    const close = openJournalRoom(
      { openRoom: (name) => (rooms.push(`open ${name}`), { doc }), closeRoom: () => void rooms.push('close') },
      'f-fam-000001.health',
      { room: () => {}, entries: (e) => seen.push(e.length) }
    );
    addEntry(doc, { date: '2026-06-15', kind: 'note', text: 'Samtale', authorId: 'u-cecilie', authorName: 'Cecilie', createdAt: '2026-06-15T10:00:00.000Z' });
    close();
    addEntry(doc, { date: '2026-06-15', kind: 'note', text: 'Efter', authorId: 'u-cecilie', authorName: 'Cecilie', createdAt: '2026-06-15T10:00:00.000Z' });
    expect(seen).toEqual([0, 1, 0]);
    expect(rooms).toEqual(['open f-fam-000001.health', 'close']);
  });
});

describe('goalRowWeights', () => {
  it('weighs a goal as its heading plus its actions', () => {
    expect(goalRowWeights([{ id: 'g1' }, { id: 'g2' }], [{ goalId: 'g1' }, { goalId: 'g1' }, { goalId: null }])).toEqual([5, 3]);
  });
});
