// Unit tests of what the device stores run with a data key unlocked, as a
// signed-in device within its lease has (src/lib/storage/device-key.ts): a
// random "server" key, in fake-indexeddb.
import 'fake-indexeddb/auto';
import { unlockDeviceKey } from '../../../src/lib/storage/device-key.ts';

const serverKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
await unlockDeviceKey('u-test', serverKey, new Date(Date.now() + 7 * 86_400_000).toISOString());
