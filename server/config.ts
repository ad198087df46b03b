// Configuration from the environment; every knob documented in the README.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './relay.ts';
import type { LoginLimits } from './auth.ts';
import { DEFAULT_EVENT_LIMITS, type EventChannelLimits } from './event-channel.ts';
import { readFileSync } from 'node:fs';
import { isSector, type Sector } from '../src/lib/shared/rooms.ts';
import { isLogLevel, type LogLevel } from './log.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://… selects the PostgreSQL store; null: SQLite in dataDir. */
  databaseUrl: string | null;
  demo: boolean;
  /** The app's own origin (scheme://host:port); when unset, the request's Host is trusted. */
  origin: string | null;
  /** Honour X-Forwarded-Proto from a TLS-terminating proxy in front. */
  trustProxy: boolean;
  sessionTtlMs: number;
  leaseDays: number;
  /** closed cases are deleted this many years after closing (RETENTION_YEARS, default 5; issue #14) */
  retentionYears: number;
  /** how often the retention sweep runs (RETENTION_SWEEP_HOURS, default 24; 0 turns the sweep off: run it from the CLI) */
  retentionSweepHours: number;
  /** offline openings a session may upload per hour (POST /api/access-log) */
  accessLogMaxPerHour: number;
  maxBodyBytes: number;
  login: LoginLimits;
  relay: RelayLimits;
  events: EventChannelLimits;
  /** Redis for the fan-out between relay nodes (DESIGN §11); null: one process, no fan-out. */
  redisUrl: string | null;
  /** This node's id in the fan-out (logs, metrics, ignoring its own messages). */
  nodeId: string;
  /** Password sign-in (POST /api/auth/login): the demo, or PASSWORD_LOGIN=1. */
  passwordLogin: boolean;
  /** OpenID Connect at the municipality's provider (DESIGN §10); null without OIDC_ISSUER. */
  oidc: OidcConfig | null;
  /**
   * The family's sign-in (DESIGN §12): a second OpenID Connect client, in
   * production MitID through a broker (CITIZEN_OIDC_ISSUER, _CLIENT_ID,
   * _CLIENT_SECRET); null without CITIZEN_OIDC_ISSUER.
   */
  citizenOidc: Pick<OidcConfig, 'issuer' | 'clientId' | 'clientSecret'> | null;
  /** Relay nodes sharing the work (RELAY_NODES, with REDIS_URL): each node's per-session bucket is rate/N. */
  relayNodes: number;
  /** Shared by every node: Redis messages carry an HMAC-SHA256 under it and unsigned ones are refused. */
  fanoutSecret: string | null;
  /** GET /metrics: with a token, a matching bearer from anywhere; without, loopback only. */
  metricsToken: string | null;
  logLevel: LogLevel;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** the ID token claim that lists the user's groups */
  groupsClaim: string;
  groupMap: GroupMap;
}

/** Group id at the provider → what a member of it is here. Several groups of one user combine (see docs/identity.md). */
export type GroupMap = Record<string, { role: 'worker' | 'leader' | 'admin'; sector?: Sector | null; teams?: string[] }>;

const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function redisUrl(env: NodeJS.ProcessEnv): string | null {
  const v = env.REDIS_URL;
  if (!v) return null;
  const url = URL.parse(v);
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
  return v;
}

function nodeId(env: NodeJS.ProcessEnv): string {
  const v = env.NODE_ID;
  if (!v) return `n-${randomBytes(6).toString('hex')}`;
  if (!NODE_ID_PATTERN.test(v)) throw new Error(`NODE_ID must be 1–64 letters, digits, "-" or "_", got "${v}"`);
  return v;
}

function metricsToken(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 16) throw new Error('METRICS_TOKEN must be at least 16 characters');
  return v;
}

function fanoutSecret(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 32) throw new Error('FANOUT_SECRET must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  return v;
}

function logLevel(v: string | undefined): LogLevel {
  if (v === undefined || v === '') return 'info';
  if (!isLogLevel(v)) throw new Error(`LOG_LEVEL must be debug, info, warn or error, got "${v}"`);
  return v;
}

function num(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${key} must be a non-negative number, got "${v}"`);
  return n;
}

function retentionYears(env: NodeJS.ProcessEnv): number {
  const years = num(env, 'RETENTION_YEARS', 5);
  if (years <= 0) throw new Error(`RETENTION_YEARS must be more than 0, got "${env.RETENTION_YEARS}"`);
  return years;
}

function databaseUrl(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (!/^postgres(ql)?:\/\//.test(v)) throw new Error('DATABASE_URL must be a postgres:// URL');
  return v;
}

const ROLES = new Set(['worker', 'leader', 'admin']);

/** OIDC_GROUP_MAP: inline JSON, or the path of a JSON file; every entry checked, so a typo stops the start. */
export function parseGroupMap(v: string | undefined): GroupMap {
  if (v === undefined || v.trim() === '') return {};
  const text = v.trim().startsWith('{') ? v : readFileSync(v, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`OIDC_GROUP_MAP is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('OIDC_GROUP_MAP must be a JSON object: group id → { role, sector, teams }');
  const out: GroupMap = {};
  for (const [group, entry] of Object.entries(raw as Record<string, unknown>)) {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.role !== 'string' || !ROLES.has(e.role)) {
      throw new Error(`OIDC_GROUP_MAP["${group}"]: role must be worker, leader or admin`);
    }
    if (e.sector !== undefined && e.sector !== null && !(typeof e.sector === 'string' && isSector(e.sector))) {
      throw new Error(`OIDC_GROUP_MAP["${group}"]: sector must be social, school, health or employment`);
    }
    if (e.teams !== undefined && !(Array.isArray(e.teams) && e.teams.every((t) => typeof t === 'string' && t !== ''))) {
      throw new Error(`OIDC_GROUP_MAP["${group}"]: teams must be a list of team ids`);
    }
    out[group] = { role: e.role as GroupMap[string]['role'], sector: (e.sector as Sector | undefined) ?? null, teams: (e.teams as string[] | undefined) ?? [] };
  }
  return out;
}

function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  if (!env.OIDC_ISSUER) return null;
  const issuer = URL.parse(env.OIDC_ISSUER);
  if (!issuer || (issuer.protocol !== 'https:' && issuer.hostname !== 'localhost' && issuer.hostname !== '127.0.0.1')) {
    throw new Error('OIDC_ISSUER must be an https:// URL (http only for localhost)');
  }
  if (!env.OIDC_CLIENT_ID) throw new Error('OIDC_CLIENT_ID is required with OIDC_ISSUER');
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET ?? '',
    groupsClaim: env.OIDC_GROUPS_CLAIM || 'groups',
    groupMap: parseGroupMap(env.OIDC_GROUP_MAP)
  };
}

function citizenOidcConfig(env: NodeJS.ProcessEnv): Config['citizenOidc'] {
  if (!env.CITIZEN_OIDC_ISSUER) return null;
  const issuer = URL.parse(env.CITIZEN_OIDC_ISSUER);
  if (!issuer || (issuer.protocol !== 'https:' && issuer.hostname !== 'localhost' && issuer.hostname !== '127.0.0.1')) {
    throw new Error('CITIZEN_OIDC_ISSUER must be an https:// URL (http only for localhost)');
  }
  if (!env.CITIZEN_OIDC_CLIENT_ID) throw new Error('CITIZEN_OIDC_CLIENT_ID is required with CITIZEN_OIDC_ISSUER');
  return { issuer: env.CITIZEN_OIDC_ISSUER, clientId: env.CITIZEN_OIDC_CLIENT_ID, clientSecret: env.CITIZEN_OIDC_CLIENT_SECRET ?? '' };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: { port: number; demo: boolean } = { port: 3000, demo: false }): Config {
  const demo = env.DEMO === undefined || env.DEMO === '' ? defaults.demo : env.DEMO === '1' || env.DEMO === 'true';
  return {
    port: num(env, 'PORT', defaults.port),
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl: databaseUrl(env.DATABASE_URL),
    demo,
    origin: env.ORIGIN ? new URL(env.ORIGIN).origin : null,
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    sessionTtlMs: num(env, 'SESSION_TTL_HOURS', 24 * 7) * 3_600_000,
    leaseDays: num(env, 'LEASE_DAYS', 7),
    retentionYears: retentionYears(env),
    retentionSweepHours: num(env, 'RETENTION_SWEEP_HOURS', 24),
    accessLogMaxPerHour: num(env, 'ACCESS_LOG_MAX_PER_HOUR', 2000),
    maxBodyBytes: num(env, 'MAX_BODY_BYTES', 256 * 1024),
    login: {
      windowMs: num(env, 'LOGIN_WINDOW_SECONDS', 900) * 1000,
      // LOGIN_MAX_PER_USERNAME is the knob's name from before it counted per address too.
      maxPerUsernameAddress: num(env, 'LOGIN_MAX_PER_USERNAME_ADDRESS', num(env, 'LOGIN_MAX_PER_USERNAME', 10)),
      maxPerAddress: num(env, 'LOGIN_MAX_PER_ADDRESS', 50),
      delayAfter: num(env, 'LOGIN_DELAY_AFTER', 5),
      delayBaseMs: num(env, 'LOGIN_DELAY_BASE_MS', 250),
      delayMaxMs: num(env, 'LOGIN_DELAY_MAX_MS', 8000)
    },
    relay: {
      maxMessageBytes: num(env, 'RELAY_MAX_MESSAGE_BYTES', DEFAULT_RELAY_LIMITS.maxMessageBytes),
      maxConnectionsPerSession: num(env, 'RELAY_MAX_CONNECTIONS_PER_SESSION', DEFAULT_RELAY_LIMITS.maxConnectionsPerSession),
      messagesPerSecond: num(env, 'RELAY_MESSAGES_PER_SECOND', DEFAULT_RELAY_LIMITS.messagesPerSecond),
      messageBurst: num(env, 'RELAY_MESSAGE_BURST', DEFAULT_RELAY_LIMITS.messageBurst),
      bytesPerSecond: num(env, 'RELAY_BYTES_PER_SECOND', DEFAULT_RELAY_LIMITS.bytesPerSecond),
      byteBurst: num(env, 'RELAY_BYTE_BURST', DEFAULT_RELAY_LIMITS.byteBurst),
      rateLimitCloseAfterMs: num(env, 'RELAY_RATE_LIMIT_CLOSE_SECONDS', DEFAULT_RELAY_LIMITS.rateLimitCloseAfterMs / 1000) * 1000,
      maxAwarenessStatesPerRoom: num(env, 'RELAY_MAX_AWARENESS_STATES', DEFAULT_RELAY_LIMITS.maxAwarenessStatesPerRoom),
      maxAwarenessStateBytes: num(env, 'RELAY_MAX_AWARENESS_BYTES', DEFAULT_RELAY_LIMITS.maxAwarenessStateBytes),
      maxClientIdsPerConnection: DEFAULT_RELAY_LIMITS.maxClientIdsPerConnection,
      roomIdleUnloadMs: num(env, 'RELAY_ROOM_IDLE_SECONDS', DEFAULT_RELAY_LIMITS.roomIdleUnloadMs / 1000) * 1000,
      compactAfterUpdates: num(env, 'RELAY_COMPACT_AFTER', DEFAULT_RELAY_LIMITS.compactAfterUpdates)
    },
    events: {
      maxStreamsPerSession: num(env, 'EVENTS_MAX_STREAMS_PER_SESSION', DEFAULT_EVENT_LIMITS.maxStreamsPerSession),
      heartbeatMs: DEFAULT_EVENT_LIMITS.heartbeatMs,
      retryMs: DEFAULT_EVENT_LIMITS.retryMs
    },
    redisUrl: redisUrl(env),
    nodeId: nodeId(env),
    passwordLogin: demo || env.PASSWORD_LOGIN === '1' || env.PASSWORD_LOGIN === 'true',
    oidc: oidcConfig(env),
    citizenOidc: citizenOidcConfig(env),
    relayNodes: Math.max(1, Math.floor(num(env, 'RELAY_NODES', 1))),
    metricsToken: metricsToken(env.METRICS_TOKEN),
    fanoutSecret: fanoutSecret(env.FANOUT_SECRET),
    logLevel: logLevel(env.LOG_LEVEL)
  };
}
