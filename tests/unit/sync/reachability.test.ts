// ReachabilityManager: offline starts a probe, reaching the server stops it.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { PROBE_INTERVAL_MS, ReachabilityManager } from '../../../src/lib/sync/reachability.svelte.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('ReachabilityManager', () => {
  it('marks offline once, probes until reachable, then stops probing', () => {
    const clock = new ManualClock();
    const r = new ReachabilityManager(clock);
    let probes = 0;
    r.markOffline(() => probes++);
    const since = r.offlineSince;
    expect(r.online).toBe(false);
    expect(since).toBe(clock.now().toISOString());
    clock.advance(1000);
    r.markOffline(() => probes++); // a second failure neither moves "since" nor adds a probe
    expect(r.offlineSince).toBe(since);
    clock.advance(PROBE_INTERVAL_MS * 3);
    expect(probes).toBe(3);
    expect(r.markReachable()).toBe(true);
    expect(r.online).toBe(true);
    expect(r.offlineSince).toBeNull();
    clock.advance(PROBE_INTERVAL_MS * 3);
    expect(probes).toBe(3);
    expect(clock.pending).toBe(0);
    expect(r.markReachable()).toBe(false);
  });

  it('without a probe (no session) only records the state; reset clears it', () => {
    const clock = new ManualClock();
    const r = new ReachabilityManager(clock);
    r.markOffline(null);
    expect(clock.pending).toBe(0);
    r.reset();
    expect(r.online).toBe(true);
    expect(r.offlineSince).toBeNull();
  });
});
