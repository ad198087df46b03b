// Choices shared by the action form and the action editor: who carries the
// action (a sector or a network party) as one select value, and the owners
// a worker may pick (team workers with plan access, plus the current owner).
import type { Action, NetworkParty } from '../domain/plan.ts';
import { SECTORS, isSector, type Sector } from '../shared/rooms.ts';
import type { Me, TeamWorker } from '../shared/api-types.ts';

export function whoValue(a: Pick<Action, 'sector' | 'party'>): string {
  if (a.sector) return `s:${a.sector}`;
  if (a.party) return `p:${a.party}`;
  return '';
}

export function parseWho(v: string): { sector: Sector | null; party: string | null } {
  if (v.startsWith('s:') && isSector(v.slice(2))) return { sector: v.slice(2) as Sector, party: null };
  if (v.startsWith('p:')) return { sector: null, party: v.slice(2) };
  return { sector: null, party: null };
}

export function whoOptions(network: NetworkParty[], current?: string | null): { sectors: readonly Sector[]; parties: string[] } {
  const parties = [...new Set(network.map((n) => n.name).filter(Boolean))];
  if (current && !parties.includes(current)) parties.push(current);
  return { sectors: SECTORS, parties };
}

export interface OwnerOption {
  id: string;
  name: string;
  sector: Sector | null;
  noAccess?: boolean;
}

/** Who may own an action: workers with plan access (or, before the team is known, the signed-in worker). */
export function ownerOptions(workers: TeamWorker[] | null, me: Me, current?: { id: string | null; name: string }): OwnerOption[] {
  const list: OwnerOption[] = workers ? workers.filter((w) => w.planAccess).map((w) => ({ id: w.id, name: w.name, sector: w.sector })) : [{ id: me.id, name: me.name, sector: me.sector }];
  if (current?.id && !list.some((o) => o.id === current.id)) list.push({ id: current.id, name: current.name || current.id, sector: null, noAccess: true });
  return list;
}

/** The plan worker of a sector, to suggest as owner when the sector is chosen. */
export function ownerForSector(workers: TeamWorker[] | null, sector: Sector | null, me: Me): string | null {
  if (!sector) return null;
  if (me.sector === sector) return me.id;
  return workers?.find((w) => w.planAccess && w.sector === sector)?.id ?? null;
}
