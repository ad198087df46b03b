// The two things every test and bench does before talking to a server it
// started: find a free loopback port, and sign a demo user in.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** POST /api/auth/login (a new session every call); returns the `session=<token>` cookie pair. */
export async function loginCookie(url: string, username: string, password = 'demo'): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password })
  });
  if (r.status !== 204) throw new Error(`login ${username}: HTTP ${r.status} ${await r.text()}`);
  const m = /session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
  if (!m) throw new Error(`login ${username}: no session cookie`);
  return `session=${m[1]}`;
}
