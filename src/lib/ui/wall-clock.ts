// The time for texts that say how long ago or how long since ("Sidst
// synkroniseret for 5 minutter siden", "Offline i 3 timer"). A page left open
// — a tablet offline in a kitchen for an afternoon — is not redrawn by
// anything else, and kept the time it was drawn with. Read inside an effect
// or a template, `now` redraws what uses it every TICK_MS; nothing ticks while
// nothing on screen reads it.
import { createSubscriber } from 'svelte/reactivity';

export const TICK_MS = 10_000;

const subscribe = createSubscriber((update) => {
  const timer = setInterval(update, TICK_MS);
  return () => clearInterval(timer);
});

export const wallClock = {
  /** Milliseconds since the epoch, as Date.now(); reactive in a Svelte effect. */
  get now(): number {
    subscribe();
    return Date.now();
  }
};
