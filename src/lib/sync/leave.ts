// Signing out because the server said so (a deactivation, a device reported
// lost): to the login page with the reason, then this user's family data off
// the device, then the logout. The same answer comes several times at once —
// every room's socket closes 4401 at a deactivation, and each close asks the
// server — so it runs once: a second run would overtake the first's navigation
// to the login page with the reason, and the first's logout would then leave
// the page on the plain login page (the layout sends a signed-out page there).

export type LeaveReason = 'oidc_deactivated' | 'device_lost';

export interface LeaveSeams {
  /** someone is signed in here (a late answer after the logout finds nobody) */
  signedIn: () => boolean;
  /** the first step of the logout: from now on the session is not used here */
  beginLogout: () => void;
  navigate: (url: string) => Promise<void>;
  /** this user's family data off the device now */
  purge: () => Promise<void>;
  logOut: () => Promise<void>;
  onError?: (reason: LeaveReason, err: unknown) => void;
}

/** `leave(reason, wipe)`: `wipe` is what goes besides the user's family data (a lost device: everything). */
export function leaveOnce(s: LeaveSeams) {
  let leaving = false;
  return (reason: LeaveReason, wipe: () => Promise<void> = async () => {}): Promise<void> => {
    if (leaving || !s.signedIn()) return Promise.resolve();
    leaving = true;
    s.beginLogout();
    return (async () => {
      await s.navigate(`/login?error=${reason}`);
      await s.purge();
      await wipe();
      await s.logOut();
    })()
      .catch((err: unknown) => s.onError?.(reason, err))
      .finally(() => {
        leaving = false;
      });
  };
}
