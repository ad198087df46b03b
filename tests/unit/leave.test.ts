// leaveOnce: the sign-out the server asks for (deactivation, lost device) runs once, however often it is asked.
import { describe, expect, it } from 'vitest';
import { leaveOnce, type LeaveSeams } from '../../src/lib/sync/leave.ts';

function seams() {
  const steps: string[] = [];
  let me: string | null = 'helle';
  let arrive!: () => void;
  const s: LeaveSeams = {
    signedIn: () => me !== null,
    beginLogout: () => void steps.push('begin'),
    // The navigation takes a while, as SvelteKit's does: a second run used to start in that time.
    navigate: (url) => (steps.push(`go ${url}`), new Promise<void>((r) => (arrive = r))),
    purge: async () => void steps.push('purge'),
    logOut: async () => {
      steps.push('logout');
      me = null;
    }
  };
  return { s, steps, arrive: () => arrive(), signIn: (who: string) => (me = who) };
}

describe('leaveOnce', () => {
  it('runs once when the answer comes several times at once: one navigation, with the reason', async () => {
    const t = seams();
    const leave = leaveOnce(t.s);
    const first = leave('oidc_deactivated');
    const second = leave('oidc_deactivated');
    const lost = leave('device_lost');
    t.arrive();
    await Promise.all([first, second, lost]);
    expect(t.steps).toEqual(['begin', 'go /login?error=oidc_deactivated', 'purge', 'logout']);
  });

  it('a late answer after the logout finds nobody signed in and does nothing; the next user can be signed out again', async () => {
    const t = seams();
    const leave = leaveOnce(t.s);
    const run = leave('oidc_deactivated');
    t.arrive();
    await run;
    await leave('oidc_deactivated');
    expect(t.steps.filter((s) => s === 'begin')).toHaveLength(1);
    t.signIn('bo');
    const wiped: string[] = [];
    const again = leave('device_lost', async () => void wiped.push('device'));
    t.arrive();
    await again;
    expect(t.steps.slice(4)).toEqual(['begin', 'go /login?error=device_lost', 'purge', 'logout']);
    expect(wiped).toEqual(['device']);
  });

  it('a failure on the way is reported, and does not leave the next run blocked', async () => {
    const t = seams();
    const errors: string[] = [];
    const leave = leaveOnce({ ...t.s, purge: async () => Promise.reject(new Error('blocked')), onError: (reason, err) => void errors.push(`${reason}: ${(err as Error).message}`) });
    const run = leave('oidc_deactivated');
    t.arrive();
    await run;
    expect(errors).toEqual(['oidc_deactivated: blocked']);
    const retry = leave('oidc_deactivated');
    t.arrive();
    await retry;
    expect(t.steps.filter((s) => s === 'begin')).toHaveLength(2);
  });
});
