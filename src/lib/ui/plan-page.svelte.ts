// The plan page's state and lifecycle (the route only lays it out): the plan's
// room opened for the screen (plan-room.ts), the long plan put on screen in
// steps (Progressive), the stored copy of the view kept current for the next
// opening (view-snapshot.ts), the family's index row (team, parts) and the
// journal tab's room. Construct it during the page's initialisation: its
// effects belong to the page.
import { untrack } from 'svelte';
import { Doc } from 'yjs';
import type { Me } from '../shared/api-types.ts';
import { caseClosed } from '../shared/access.ts';
import { journalsOf, roomName, type Sector } from '../shared/rooms.ts';
import type { JournalEntry } from '../domain/journal.ts';
import type { FamilyRow } from '../storage/db.ts';
import { keepViewSnapshot } from '../storage/view-snapshot.ts';
import { getFamily } from '../storage/sealed-rows.ts';
import type { LiveRoom } from '../sync/live-room.svelte.ts';
import { planOpening, type OpeningReads } from '../sync/plan-opening.ts';
import type { SyncManager } from '../sync/sync-manager.svelte.ts';
import { openJournalRoom } from './journal-room.ts';
import { openPlanRoom } from './plan-room.ts';
import { PlanView, type PlanSnapshot } from './plan-view.svelte.ts';
import { Progressive, fitting } from './progressive.svelte.ts';
import { afterNextFrame } from './after-next-frame.ts';

/**
 * A long plan's first frame: the header, hopes and tovholder, goals up to
 * about a screen of rows and the first meeting (in case few hopes leave room
 * for them on the first screen); then goals a chunk of rows per task, then
 * the rest (the add forms, feedback, family).
 */
export const FIRST_ROWS = 12;
export const CHUNK_ROWS = 60;
export const FIRST_MEETINGS = 1;

/** each goal's weight in rows: its heading and its actions */
export function goalRowWeights(goals: readonly { id: string }[], actions: readonly { goalId: string | null }[]): number[] {
  const count = new Map<string, number>();
  for (const a of actions) if (a.goalId) count.set(a.goalId, (count.get(a.goalId) ?? 0) + 1);
  return goals.map((g) => 3 + (count.get(g.id) ?? 0));
}

type Sync = Pick<SyncManager, 'openRoom' | 'closeRoom' | 'sweep' | 'db' | 'indexVersion'>;

export class PlanPage {
  room = $state<LiveRoom | null>(null);
  view = $state<PlanView | null>(null);
  goalsShown = $state<Progressive | null>(null);
  /** the user may not open this plan: no socket is opened (or it was refused) */
  denied = $state(false);
  family = $state<FamilyRow | null>(null);
  tab = $state<'plan' | Sector>('plan');
  journalRoom = $state<LiveRoom | null>(null);
  entries = $state.raw<JournalEntry[]>([]);
  /** the family row the plan's opening read, and the index version it read it at */
  #familyRead: { id: string; indexVersion: number } | null = null;

  // The document is loaded from the device (or synced by the relay). Before
  // that the screen shows nothing, or the stored copy of what it showed,
  // inert; never an empty plan.
  readonly ready = $derived(!!this.room && (this.room.loadedLocal || this.room.synced));
  readonly shown = $derived(!!this.view && (this.ready || this.view.seeded));
  readonly goalRows = $derived(this.view ? goalRowWeights(this.view.goals, this.view.actions) : []);
  readonly goalsFit = $derived(this.goalsShown ? fitting(this.goalRows, this.goalsShown.budget) : Infinity);
  /** the sections after the goals: once every goal is on screen (a small plan's first frame already) */
  readonly rest = $derived(this.goalsFit >= this.goalRows.length);
  readonly workers = $derived(this.family?.workers ?? null);
  readonly journals = $derived(journalsOf(this.family?.parts ?? []));
  readonly journalAccess = $derived(this.journals.find((j) => j.part === this.tab)?.access ?? null);
  /**
   * The plan may only be read: the case is closed (the document's own status,
   * live; the index row's before it is there) or the access rule gives `read`.
   * The one place the screen asks before offering to edit; the relay drops
   * writes either way.
   */
  readonly closed = $derived(this.view ? caseClosed(this.view.meta) : caseClosed(this.family));
  readonly readOnly = $derived(this.closed || this.family?.parts.find((p) => p.part === 'plan')?.access === 'read');

  constructor(familyId: () => string, me: () => Me | null, sync: Sync) {
    // The room: reopened only when the family or the user changes (untracked: not when the sync manager's state does).
    $effect(() => {
      const user = me();
      const id = familyId();
      if (!user || !id) return;
      this.denied = false;
      const { room: name, reads, settled, indexVersion } = untrack(() => planOpening<PlanSnapshot>(id, user));
      this.#familyRead = { id, indexVersion };
      // The first frame shows the team, the parts and the workers' names with the plan: one render, not two.
      const withFamily = (r: OpeningReads<PlanSnapshot>) => {
        if (id === untrack(familyId)) this.family = r.family;
        return r;
      };
      // Untracked: with the reads already in, the view is built right here, and what it reads is not this effect's.
      const close = untrack(() => openPlanRoom<{ view: PlanView; goals: Progressive; doc: Doc; destroy(): void }, LiveRoom>(
        {
          reads: settled ? reads : reads.then(withFamily),
          settled: settled && withFamily(settled),
          newView: (seed) => {
            const view = new PlanView(new Doc(), seed as PlanSnapshot | null);
            const goals = new Progressive(FIRST_ROWS, CHUNK_ROWS);
            return {
              view,
              goals,
              doc: view.doc,
              destroy: () => {
                goals.destroy();
                view.destroy();
              }
            };
          },
          // Opened through the sync manager: it keeps the local index and the
          // offline access log, and purges the room if the relay ends access.
          openRoom: (s) => untrack(() => sync.openRoom(name, s.view.doc)),
          closeRoom: (r) => sync.closeRoom(r),
          sweep: () => void sync.sweep(),
          afterNextFrame
        },
        {
          denied: () => (this.denied = true),
          view: (s) => {
            this.view = s.view;
            this.goalsShown = s.goals;
          },
          room: (r) => (this.room = r)
        }
      ));
      return () => {
        close();
        this.room = null;
        this.view = null;
        this.goalsShown = null;
      };
    });

    $effect(() => {
      if (this.ready && this.view) untrack(() => this.view?.live());
    });

    // The first screenful is painted first; the remaining goals, the add forms, feedback and family follow
    // (from the stored copy too: it holds exactly what the document will).
    $effect(() => {
      const p = this.goalsShown;
      if (this.shown && this.view && p) untrack(() => p.start(() => fitting(this.goalRows, p.budget) >= this.goalRows.length));
    });

    // Keep the stored copy current for the next opening.
    $effect(() => {
      const v = this.view;
      const r = this.room;
      if (!this.ready || !v || !r) return;
      return untrack(() => keepViewSnapshot(r.room, r.doc, () => (v.meta.name ? v.snapshot() : null), { initial: !v.fromCopy, ended: () => !!r.closed }));
    });

    // Which parts this user may open, and the team (owners, tovholder): from the local index, so offline too.
    // The opening read it (above); read again whenever the index changes.
    $effect(() => {
      const version = sync.indexVersion;
      const db = sync.db;
      const id = familyId();
      if (!db || !id) return;
      if (this.#familyRead?.id === id && this.#familyRead.indexVersion === version) return;
      this.#familyRead = null;
      void getFamily(db, id).then((row) => {
        if (id === familyId()) this.family = row ?? null;
      });
    });

    // A journal tab opens its room only while it is shown; a part the user may no longer read closes.
    $effect(() => {
      const part = this.tab;
      const id = familyId();
      if (part === 'plan' || !me() || !id) return;
      if (!untrack(() => this.journals.some((j) => j.part === part))) return;
      return untrack(() =>
        openJournalRoom(sync, roomName(id, part), {
          room: (r) => (this.journalRoom = r),
          entries: (e) => (this.entries = e)
        })
      );
    });
    $effect(() => {
      if (this.tab !== 'plan' && this.family && !this.journals.some((j) => j.part === this.tab)) this.tab = 'plan';
    });
  }

  /** Every goal on screen at once (before jumping to one further down). */
  showAll() {
    this.goalsShown?.all();
  }
}
