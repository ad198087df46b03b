// The plan's decision (plan-opening.ts) as page state, for every family screen
// beside the plan (consent, access log, history): a family the user may not
// see gets the plan's not-found message, and the screen fetches nothing.
// Constructed during a component's initialisation (its effect belongs to it).
import { untrack } from 'svelte';
import type { RoomDecision } from './room-access.ts';
import { planDecision } from './plan-opening.ts';
import { session } from './session.svelte.ts';

export class PlanDecision {
  /** null while undecided (or nobody is signed in) */
  value = $state<RoomDecision | null>(null);

  constructor(familyId: () => string) {
    $effect(() => {
      const me = session.me;
      const id = familyId();
      this.value = null;
      if (!me || !id) return;
      let cancelled = false;
      void untrack(() => planDecision(id, me)).then((d) => {
        if (!cancelled) this.value = d;
      });
      return () => {
        cancelled = true;
      };
    });
  }
}
