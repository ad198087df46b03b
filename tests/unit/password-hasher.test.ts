// The one hashing thread (server/identity/password-hasher.ts): same hashes as
// node's pool scrypt, one at a time, a bounded queue, and it ends when idle.
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../server/auth.ts';
import { HasherBusy, PasswordHasher } from '../../server/identity/password-hasher.ts';

let hasher: PasswordHasher | null = null;
afterEach(async () => {
  await hasher?.close();
  hasher = null;
});

describe('password hasher', () => {
  it('derives the same keys as the pool scrypt, both ways', async () => {
    hasher = new PasswordHasher();
    const inWorker = await hashPassword('hemmelig', hasher.scrypt);
    const onPool = await hashPassword('hemmelig');
    expect(await verifyPassword('hemmelig', inWorker)).toBe(true);
    expect(await verifyPassword('hemmelig', onPool, hasher.scrypt)).toBe(true);
    expect(await verifyPassword('forkert', inWorker, hasher.scrypt)).toBe(false);
  });

  it('refuses beyond its queue instead of queueing without bound, and serves again after', async () => {
    hasher = new PasswordHasher({ maxQueue: 2 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => hashPassword('x', hasher!.scrypt)));
    const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof HasherBusy).length;
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(3); // one running, two waiting
    expect(busy).toBe(3);
    expect(await verifyPassword('x', await hashPassword('x', hasher.scrypt), hasher.scrypt)).toBe(true);
  });

  it('ends its thread when idle and starts a new one for the next hash', async () => {
    hasher = new PasswordHasher({ idleMs: 50 });
    const first = await hashPassword('a', hasher.scrypt);
    await new Promise((r) => setTimeout(r, 200));
    expect(await verifyPassword('a', first, hasher.scrypt)).toBe(true);
  });

  it('fails waiting hashes when closed', async () => {
    hasher = new PasswordHasher();
    const failed = expect(hashPassword('x', hasher.scrypt)).rejects.toThrow(/closed/);
    await hasher.close();
    await failed;
    await expect(hashPassword('x', hasher.scrypt)).rejects.toThrow(/closed/);
  });
});
