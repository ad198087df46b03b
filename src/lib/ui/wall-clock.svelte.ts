// The time for texts that say how long ago or how long since ("Sidst
// synkroniseret for 5 minutter siden", "Offline i 3 timer"). A page left open
// — a tablet offline in a kitchen for an afternoon — is not redrawn by
// anything else, and kept the time it was drawn with. Read in a template or
// an effect, `now` redraws what uses it every TICK_MS.
//
// One interval for the whole app, not one per reader: the caseload reads it
// in each of its cards, and Svelte's createSubscriber makes an effect at every
// read (each card, again at every filter or sort change).

export const TICK_MS = 10_000;

class WallClock {
  #tick = $state(0);

  constructor() {
    if (typeof window !== 'undefined') setInterval(() => this.#tick++, TICK_MS);
  }

  /** Milliseconds since the epoch, read fresh (as Date.now()); a template that reads it is redrawn every TICK_MS. */
  get now(): number {
    void this.#tick;
    return Date.now();
  }
}

export const wallClock = new WallClock();
