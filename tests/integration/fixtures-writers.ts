// The set-up most relay tests share: a real server with the demo data, a few
// demo users signed in, and one room of the family gel-02 (anna, social,
// opened the case; bo, school, writes its plan by consent; cecilie, health,
// reads it). Each test file gets its own server, torn down after it.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { roomName, type Part } from '../../src/lib/shared/rooms.ts';
import { TestServer } from './helpers.ts';

export interface Writers {
  server: TestServer;
  /** the users' session cookies, in the order asked for */
  cookies: string[];
  /** the room of gel-02 asked for */
  room: string;
}

/**
 * Registers the file's hooks and hands the set-up to `ready` once it is there:
 * beforeAll starts the server and signs the users in, afterEach closes every
 * client, afterAll stops the server.
 */
export function withWriters(opts: { users: readonly string[]; part?: Part }, ready: (w: Writers) => void) {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await TestServer.start();
    const s = server;
    const cookies = await Promise.all(opts.users.map((u) => s.login(u)));
    ready({ server: s, cookies, room: roomName(s.family('gel-02'), opts.part ?? 'plan') });
  });
  afterEach(() => server?.clients.closeAll());
  afterAll(() => server?.stop());
}
