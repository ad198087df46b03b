// Logging out of this device ends the session for real, also offline. The
// pending-logout mark comes first (api.ts): whatever happens next (no network,
// a closed tab) the session is not used here again, and the server hears of
// the logout before anything else at the next contact. Then this user's family
// data is removed from the device and the server is told.
import { purgeAgain } from '../storage/purge.ts';
import { forgetDeviceKey, lockDeviceKey } from '../storage/device-key.ts';
import { pendingLogout } from './api.ts';
import { session } from './session.svelte.ts';
import { sync } from './sync-manager.svelte.ts';

export async function logOut(opts: { keepUnsynced?: boolean } = {}) {
  session.beginLogout(opts.keepUnsynced);
  try {
    await sync.reset(opts);
  } catch (err) {
    // Retried by finishInterruptedLogout at the next start, while the mark is there.
    console.error('logout: family data not fully removed from the device', err);
  }
  await session.logout();
}

/**
 * At start-up with a logout pending: a tab closed in the middle of the
 * logout, or a failed deletion, may have left the user's family data behind.
 * Deleting it again is idempotent.
 */
export async function finishInterruptedLogout() {
  const pending = pendingLogout();
  const userId = pending?.userId;
  if (!userId) return;
  // What the logout kept stays kept; the rest goes again.
  const kept = await purgeAgain(userId, pending.keepUnsynced === true);
  if (!pending.keepUnsynced) return;
  if (kept > 0) await lockDeviceKey(userId);
  else await forgetDeviceKey(userId);
}
