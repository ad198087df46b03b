// The one HTTP server (DESIGN §3): pages and /api/* through SvelteKit's
// handler, the relay on upgrade at /sync/<room>. Without a SvelteKit build
// (integration tests) /api/* is served straight from the Api.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { App } from './app.ts';
import { handleProbe, HEALTH_PATH, READY_PATH } from './health.ts';
import { renderMetrics } from './metrics.ts';
import { errorMessages } from './messages.ts';
import { errorFields } from './log.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

async function apiOnly(app: App, req: IncomingMessage, res: ServerResponse) {
  // A Host header that does not make a URL is the client's error.
  const url = URL.parse(`${req.headers[PROTO_HEADER]}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`);
  if (!url) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Bad Request');
    return;
  }
  if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/auth/')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // As SvelteKit's adapter does: the request's signal aborts when the client goes away before the response ended.
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: 'half',
    signal: gone.signal
  } as RequestInit);
  const response = await app.api.handle(request, { clientAddress: req.socket.remoteAddress ?? '' });
  // Several Set-Cookie headers (a sign-in sets the session and clears its state) must stay several.
  const cookies = response.headers.getSetCookie();
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) });
  if (!response.body) {
    res.end();
    return;
  }
  // Piped, not buffered: a streamed body (GET /api/events) never ends by itself.
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), res);
  } catch (err) {
    // The client went away mid-stream; pipeline has cancelled the body, which is all there is to do.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && gone.signal.aborted) return;
    throw err;
  }
}

/** The header through which the server tells SvelteKit (PROTOCOL_HEADER) and the relay the request's scheme. */
export const PROTO_HEADER = 'x-fp-proto';

/** Overwrites any client-sent value: the scheme comes from the socket, or from a trusted proxy. */
function markProtocol(req: IncomingMessage, trustProxy: boolean) {
  const forwarded = req.headers['x-forwarded-proto'];
  const encrypted = Boolean((req.socket as { encrypted?: boolean }).encrypted);
  req.headers[PROTO_HEADER] =
    trustProxy && typeof forwarded === 'string' ? (forwarded.split(',')[0].trim() === 'https' ? 'https' : 'http') : encrypted ? 'https' : 'http';
}

export interface Running {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Headers every response carries, pages, assets and API alike. */
function securityHeaders(res: ServerResponse, hsts: boolean) {
  res.setHeader('x-content-type-options', 'nosniff');
  if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

export const METRICS_PATH = '/metrics';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read GET /metrics (docs/deploy.md): with METRICS_TOKEN, a request
 * carrying it as a bearer token, from anywhere; without, only a request from
 * this machine that did not come through a proxy (a proxy on the same machine
 * would otherwise make every outside request look local).
 */
function metricsAllowed(req: IncomingMessage, token: string | null): boolean {
  if (token) {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    const digest = (v: string) => createHash('sha256').update(v).digest();
    return given !== '' && timingSafeEqual(digest(given), digest(token));
  }
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !proxied && LOOPBACK.has(req.socket.remoteAddress ?? '');
}

async function serveMetrics(app: App, req: IncomingMessage, res: ServerResponse) {
  const send = (status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(405, { error: 'method_not_allowed', message: errorMessages.method_not_allowed });
  }
  if (!metricsAllowed(req, app.config.metricsToken)) return send(403, { error: 'metrics_forbidden', message: errorMessages.metrics_forbidden });
  const { contentType, body } = await renderMetrics(app.metrics);
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The operators' endpoints, answered before SvelteKit or the API: /healthz,
 * /readyz (health.ts) and /metrics. True when the request was one of them.
 */
function operatorEndpoint(app: App, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === HEALTH_PATH || path === READY_PATH) {
    handleProbe(req, res, app.readiness).catch((err) => failRequest(app, res, err));
    return true;
  }
  if (path === METRICS_PATH) {
    serveMetrics(app, req, res).catch((err) => failRequest(app, res, err));
    return true;
  }
  return false;
}

/** The last answer to a request whose handler failed: 500 if nothing was sent yet, else cut the response. */
function failRequest(app: App, res: ServerResponse, err: unknown) {
  app.log.error('http.request_failed', errorFields(err));
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
  else res.destroy();
}

/**
 * An upgrade the relay could not answer: the error is logged and the client
 * gets a 500 (bad input is answered with a 4xx inside the relay; reaching this
 * is a bug, and it must cost one request, never the process).
 */
function failUpgrade(app: App, socket: Duplex, err: unknown) {
  app.log.error('http.upgrade_failed', errorFields(err));
  if (socket.writable && !socket.destroyed) {
    socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
  socket.destroy();
}

/** The relay's upgrade behind the request boundary; the dev server (vite.config.ts) attaches it too. */
export function handleUpgrade(app: App, req: IncomingMessage, socket: Duplex, head: Buffer, trustProxy = app.config.trustProxy) {
  // A client that resets the connection while the upgrade is being decided
  // emits 'error' on a socket nobody listens to yet: unhandled, that would throw.
  socket.on('error', () => socket.destroy());
  try {
    markProtocol(req, trustProxy);
    const pending: unknown = app.relay.handleUpgrade(req, socket, head);
    if (pending instanceof Promise) pending.catch((err) => failUpgrade(app, socket, err));
  } catch (err) {
    failUpgrade(app, socket, err);
  }
}

export async function listen(app: App, handler: NodeHandler | null, port: number, host = '127.0.0.1'): Promise<Running> {
  const trustProxy = app.config.trustProxy;
  const hsts = app.config.origin?.startsWith('https:') ?? false;
  // Every request and upgrade is a boundary: whatever a client sends, an
  // exception ends that request, never the process (nothing restarts it).
  const server = createServer((req, res) => {
    try {
      securityHeaders(res, hsts);
      markProtocol(req, trustProxy);
      if (operatorEndpoint(app, req, res)) return;
      // The demo's local identity provider (DESIGN §10) has its own pages and headers.
      if (app.idp && req.url?.startsWith('/idp/')) {
        app.idp.handle(req, res).catch((err) => failRequest(app, res, err));
        return;
      }
      if (handler) {
        handler(req, res, () => res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found'));
      } else {
        apiOnly(app, req, res).catch((err) => failRequest(app, res, err));
      }
    } catch (err) {
      failRequest(app, res, err);
    }
  });
  server.on('upgrade', (req, socket, head) => handleUpgrade(app, req, socket, head, trustProxy));
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const addr = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}
