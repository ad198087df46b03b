// Probes for a load balancer in front of several nodes (DESIGN §11):
// `GET /healthz` — the process answers (liveness; no dependency is asked, so a
// Redis outage does not get every node restarted at once); `GET /readyz` — the
// store and Redis are reachable and the store's migrations are applied, else
// 503 and the balancer sends no new connections here. The body names the
// failing checks by code only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessages } from './messages.ts';

export interface ReadinessCheck {
  /** A short code: `store`, `migrations`, `redis`. */
  name: string;
  /** Resolves when ready; rejects (or resolves false) when not. */
  check(): Promise<boolean | void>;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, 'ok' | 'failed' | 'timeout'>;
}

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
const DEFAULT_TIMEOUT_MS = 2000;

export async function readiness(checks: readonly ReadinessCheck[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, Readiness['checks'][string]]> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const r = await Promise.race([c.check().then((v): 'ok' | 'failed' => (v === false ? 'failed' : 'ok')), timeout]);
        return [c.name, r];
      } catch {
        // The check's error is the answer (not ready); the caller logs readiness changes, not each probe.
        return [c.name, 'failed'];
      } finally {
        clearTimeout(timer);
      }
    })
  );
  const map = Object.fromEntries(results);
  return { ok: results.every(([, r]) => r === 'ok'), checks: map };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/**
 * Answers `/healthz` and `/readyz` (GET or HEAD) and returns true, or returns
 * false for any other request. The HTTP server calls it before anything else.
 */
export async function handleProbe(req: IncomingMessage, res: ServerResponse, checks: readonly ReadinessCheck[], timeoutMs?: number): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== HEALTH_PATH && path !== READY_PATH) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    json(res, 405, { error: 'method_not_allowed', message: errorMessages.method_not_allowed });
    return true;
  }
  if (path === HEALTH_PATH) {
    json(res, 200, { ok: true });
    return true;
  }
  const r = await readiness(checks, timeoutMs);
  if (r.ok) json(res, 200, { ok: true, checks: r.checks });
  else json(res, 503, { ok: false, error: 'not_ready', message: errorMessages.not_ready, checks: r.checks });
  return true;
}
