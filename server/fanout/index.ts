// Picks the fan-out once, from configuration (STYLE: variants by file, not by
// `if`): REDIS_URL set → Redis pub/sub between nodes, else the one-process one.
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { LocalFanout } from './local.ts';
import type { Fanout } from './types.ts';

export type { CommittedUpdate, ControlMessage, ControlOrigin, Fanout, RoomEvent, RoomHandler } from './types.ts';
export { RoomSequencer, type LoadSince, type StoredRoomUpdate } from './sequencer.ts';

/** Header room on top of the relay's largest message: node id, room name, seq, author, time. */
const FRAME_OVERHEAD_BYTES = 1024;

export interface FanoutConfig {
  redisUrl: string | null;
  nodeId: string;
  /** The relay's largest accepted WebSocket message (RELAY_MAX_MESSAGE_BYTES). */
  maxMessageBytes: number;
  /** FANOUT_SECRET: sign and verify every Redis message with HMAC-SHA256 (redis.ts). */
  secret?: string | null;
  /** Channel namespace: nodes meet only within it (one per store; see app.ts). */
  namespace?: string;
}

export async function createFanout(config: FanoutConfig, deps: { log?: Logger; metrics?: Metrics } = {}): Promise<Fanout> {
  if (!config.redisUrl) {
    deps.metrics?.fanoutConnected.set(1);
    return new LocalFanout({ nodeId: config.nodeId, log: deps.log });
  }
  // Loaded only when configured: the Redis client costs the one-process server ≈ 30 MB RSS (docs/performance.md).
  const { RedisFanout } = await import('./redis.ts');
  return RedisFanout.connect({
    url: config.redisUrl,
    nodeId: config.nodeId,
    maxFrameBytes: config.maxMessageBytes + FRAME_OVERHEAD_BYTES,
    secret: config.secret ?? null,
    namespace: config.namespace,
    log: deps.log,
    metrics: deps.metrics
  });
}
