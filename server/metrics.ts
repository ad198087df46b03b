// Prometheus metrics of one relay node (DESIGN §11): what a load balancer and an
// operator need to see the node's load and the health of the fan-out between
// nodes. One registry per node object (no module-level singleton, so tests and
// several apps in one process do not share counters). Labels carry codes only,
// never rooms, users or family ids (unbounded cardinality, and ids are data).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Open WebSocket connections on this node. */
  readonly openSockets: Gauge;
  /** Rooms (Y.Docs) held in memory on this node. */
  readonly roomsLoaded: Gauge;
  /** Updates applied, by where they came from: `local` (a socket on this node) or `remote` (fan-out / store fill). */
  readonly updates: Counter<'source'>;
  /** Seconds from an update batch entering the store to its commit. */
  readonly commitSeconds: Histogram;
  /** Seconds from a remote node publishing an update to this node receiving it (clocks of the nodes included). */
  readonly fanoutLagSeconds: Histogram;
  /** Redis connections re-established after a loss. */
  readonly redisReconnects: Counter;
  /** Whether this node's fan-out is connected (1) or not (0); always 1 for the one-process fan-out. */
  readonly fanoutConnected: Gauge;
  /** Fan-out messages that could not be published, by kind (`update`, `awareness`, `control`). */
  readonly fanoutPublishFailed: Counter<'kind'>;
  /** Fan-out messages from other nodes that were refused, by reason code. */
  readonly fanoutRejected: Counter<'reason'>;
  /** Times a room's sequencer read missed updates from the store, by cause (`gap`, `timeout`, `head`, `reconnect`). */
  readonly sequencerFills: Counter<'cause'>;
}

export interface MetricsOptions {
  /** Node.js process metrics (memory, event loop lag, GC); off in tests. */
  processMetrics?: boolean;
  /** Added as a label to every series, e.g. `{ node: config.nodeId }`. */
  defaultLabels?: Record<string, string>;
}

// Buckets around DESIGN §9's bar (p99 fan-out ≤ 25 ms).
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultLabels) registry.setDefaultLabels(opts.defaultLabels);
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'fp_' });
  const registers = [registry];
  return {
    registry,
    openSockets: new Gauge({ name: 'fp_open_sockets', help: 'Open WebSocket connections on this node', registers }),
    roomsLoaded: new Gauge({ name: 'fp_rooms_loaded', help: 'Rooms held in memory on this node', registers }),
    updates: new Counter({ name: 'fp_updates_total', help: 'Updates applied, by source (local, remote)', labelNames: ['source'], registers }),
    commitSeconds: new Histogram({ name: 'fp_commit_seconds', help: 'Store commit latency of an update batch', buckets: LATENCY_BUCKETS, registers }),
    fanoutLagSeconds: new Histogram({ name: 'fp_fanout_lag_seconds', help: 'Publish-to-receive lag of updates between nodes', buckets: LATENCY_BUCKETS, registers }),
    redisReconnects: new Counter({ name: 'fp_redis_reconnects_total', help: 'Redis connections re-established after a loss', registers }),
    fanoutConnected: new Gauge({ name: 'fp_fanout_connected', help: 'Fan-out connected (1) or not (0)', registers }),
    fanoutPublishFailed: new Counter({ name: 'fp_fanout_publish_failed_total', help: 'Fan-out messages not published, by kind', labelNames: ['kind'], registers }),
    fanoutRejected: new Counter({ name: 'fp_fanout_rejected_total', help: 'Fan-out messages from other nodes refused, by reason', labelNames: ['reason'], registers }),
    sequencerFills: new Counter({ name: 'fp_sequencer_fills_total', help: 'Missed updates read from the store, by cause', labelNames: ['cause'], registers })
  };
}

/** The body and content type of `GET /metrics`. */
export async function renderMetrics(metrics: Metrics): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
