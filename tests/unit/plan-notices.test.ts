import { describe, expect, it } from 'vitest';
import { addAction, answerTovholderProposal, newPlanDoc, proposeTovholder } from '../../src/lib/domain/plan.ts';
import { planNotices } from '../../server/notifications.ts';

const team = new Set(['anna', 'bo', 'cecilie']);
const isTeamWorker = (id: string) => team.has(id);

function plan() {
  return newPlanDoc({ name: 'Familien Test', district: 'Nord', teamId: 't1', status: 'aktiv' });
}

describe('planNotices', () => {
  it('an open proposal tells the proposed worker; the answer tells the proposer; ids and kinds only', () => {
    const doc = plan();
    const id = proposeTovholder(doc, { userId: 'bo', name: 'Bo', since: '2026-03-01', note: 'Hemmelig note', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    expect(planNotices('fam-1', doc, isTeamWorker)).toEqual([{ userId: 'bo', kind: 'handover-proposed', familyId: 'fam-1', actorId: 'anna', key: `plan:fam-1:handover:${id}` }]);
    answerTovholderProposal(doc, id, { outcome: 'declined', by: 'bo', at: '2026-02-02T09:00:00Z', today: '2026-02-02', reason: 'For mange familier' });
    const notices = planNotices('fam-1', doc, isTeamWorker);
    expect(notices).toEqual([{ userId: 'anna', kind: 'handover-declined', familyId: 'fam-1', actorId: 'bo', key: `plan:fam-1:handover:${id}:declined` }]);
    expect(JSON.stringify(notices)).not.toMatch(/Hemmelig|mange|Test/);
  });

  it('nobody outside the family\'s team is told; a withdrawn proposal tells nobody', () => {
    const doc = plan();
    const first = proposeTovholder(doc, { userId: 'mallory', name: 'M', since: '2026-03-01', note: '', by: 'anna', byName: 'Anna', at: '2026-02-01T09:00:00Z' });
    expect(planNotices('fam-1', doc, isTeamWorker)).toEqual([]);
    answerTovholderProposal(doc, first, { outcome: 'withdrawn', by: 'anna', at: '2026-02-01T10:00:00Z', today: '2026-02-01' });
    expect(planNotices('fam-1', doc, isTeamWorker)).toEqual([]);
  });

  it('an open action assigned by someone else tells its owner, once per owner', () => {
    const doc = plan();
    const mine = addAction(doc, { title: 'Selv', ownerId: 'anna', ownerName: 'Anna', createdAt: '2026-02-01T09:00:00Z', createdBy: 'anna' });
    const given = addAction(doc, { title: 'Til Bo', ownerId: 'bo', ownerName: 'Bo', createdAt: '2026-02-01T09:00:00Z', createdBy: 'anna' });
    addAction(doc, { title: 'Færdig', ownerId: 'cecilie', ownerName: 'Cecilie', status: 'udfoert', createdAt: '2026-02-01T09:00:00Z', createdBy: 'anna' });
    addAction(doc, { title: 'Ukendt', ownerId: 'mallory', ownerName: 'M', createdAt: '2026-02-01T09:00:00Z', createdBy: 'anna' });
    const notices = planNotices('fam-1', doc, isTeamWorker);
    expect(notices).toEqual([{ userId: 'bo', kind: 'action-assigned', familyId: 'fam-1', actorId: null, key: `plan:fam-1:assigned:${given}:bo` }]);
    expect(notices.some((n) => n.key.includes(mine))).toBe(false);
  });
});
