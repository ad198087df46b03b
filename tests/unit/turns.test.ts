// Long server loops give the event loop back between slices (server/turns.ts).
import { describe, expect, it } from 'vitest';
import { nextTurn, slices } from '../../server/turns.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('slices', () => {
  it('is due once its time is used up, then starts the next slice', () => {
    const slice = slices(5);
    expect(slice.due()).toBe(false);
    busy(6);
    expect(slice.due()).toBe(true);
    expect(slice.due()).toBe(false);
  });
});

describe('nextTurn', () => {
  it('lets pending I/O and timers run before the loop goes on', async () => {
    const seen: string[] = [];
    setTimeout(() => seen.push('timer'), 0);
    busy(3); // the timer is due now; a plain await would not let it run
    await Promise.resolve();
    expect(seen).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(seen).toEqual(['timer']);
  });
});
