// CI's early check (.ci/run): PostgreSQL at DATABASE_URL and Redis at
// REDIS_URL answer, or the run stops here with a message that says which.
import { createConnection } from 'node:net';
import pg from 'pg';

const failures: string[] = [];

if (process.env.DATABASE_URL) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    console.log(`PostgreSQL answers at ${new URL(process.env.DATABASE_URL).host}`);
  } catch (err) {
    failures.push(`PostgreSQL is not reachable at DATABASE_URL (${(err as Error).message}). Start it, e.g. pg_ctlcluster <version> main start.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

if (process.env.REDIS_URL) {
  const url = new URL(process.env.REDIS_URL);
  // RESP's inline PING; a live server answers +PONG (or -NOAUTH when it wants a password: still reachable).
  const answer = await new Promise<string>((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, 5000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      clearTimeout(timer);
      socket.end();
      resolve(d.toString().trim());
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
  });
  if (answer === '+PONG' || answer.startsWith('-NOAUTH')) console.log(`Redis answers at ${url.host}`);
  else failures.push(`Redis is not reachable at REDIS_URL (${answer}). Start it, e.g. redis-server --daemonize yes.`);
}

if (failures.length > 0) {
  for (const f of failures) console.error(`.ci/run: ${f}`);
  process.exit(1);
}
