// Whether the server is reachable. The browser's online flag is only a hint: a
// tablet on a dead access point says "online" and reaches nothing. Failing to
// reach the server counts as offline too, and then the server is probed every
// few seconds until a request or a socket gets through.
import { realClock, type Clock } from './internal/clock.ts';

export const PROBE_INTERVAL_MS = 5_000;

export class ReachabilityManager {
  online = $state(true);
  /** when the device last lost the server (ISO), null while reachable */
  offlineSince = $state<string | null>(null);
  #probe: ReturnType<Clock['every']> | null = null;
  readonly #clock: Clock;

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  /** The server could not be reached: probe it with `probe` until markReachable(). */
  markOffline(probe: (() => void) | null) {
    this.online = false;
    this.offlineSince ??= this.#clock.now().toISOString();
    if (!this.#probe && probe) this.#probe = this.#clock.every(probe, PROBE_INTERVAL_MS);
  }

  /** Returns true when this ended an offline spell. */
  markReachable(): boolean {
    this.#stopProbe();
    if (this.online) return false;
    this.online = true;
    this.offlineSince = null;
    return true;
  }

  /** Stops probing; the flags stay (a stopped sync still shows the last known state). */
  stop() {
    this.#stopProbe();
  }

  reset(online = true) {
    this.#stopProbe();
    this.online = online;
    this.offlineSince = null;
  }

  #stopProbe() {
    if (this.#probe) this.#clock.cancel(this.#probe);
    this.#probe = null;
  }
}
