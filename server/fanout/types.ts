// The fan-out seam between relay nodes (DESIGN §11, STYLE "Seams for running as
// a service"). The relay holds one `Fanout` and never knows which one: the
// one-process `LocalFanout` or the `RedisFanout` of a multi-node deployment.
//
// It carries committed facts, not questions: an update is published with its
// per-room sequence number only after the store committed it, so a node that
// misses one (pub/sub is at-most-once) sees the gap and reads it from the store
// (sequencer.ts). Awareness is never stored. Control messages tell every node
// that access changed or a session ended; they are delivered to this node's own
// handlers at once (synchronously) and to the other nodes through Redis, so the
// relay has one code path: publish, and act in `onControl`.

/** An update the store has committed, with its per-room sequence number. */
export interface CommittedUpdate {
  room: string;
  seq: number;
  /** The Yjs update as committed. */
  update: Uint8Array;
  /** The author's user id, as written to the update log. */
  author: string;
}

/** What another node published on a room this node has subscribed to. */
export type RoomEvent =
  | (CommittedUpdate & { kind: 'update'; nodeId: string; /** ms since the epoch on the publishing node */ publishedAt: number })
  | { kind: 'awareness'; nodeId: string; room: string; data: Uint8Array; publishedAt: number }
  /**
   * The publisher's room is at `seq` but it could not publish some updates up to
   * it (Redis was unreachable from that node): read what is missing from the store.
   */
  | { kind: 'head'; nodeId: string; room: string; seq: number };

export type RoomHandler = (event: RoomEvent) => void;

/**
 * Control messages between nodes:
 * - `recheck`: access changed (consent, grant, team, user); every node recomputes
 *   access of its open sockets, narrowed by user and/or family; `reason` is the
 *   WebSocket close reason for sockets that lost access.
 * - `session-ended`: a session ended (logout, user deactivated); close its sockets (4401).
 * - `access-events`: tell these users' open "access changed" streams (server-sent
 *   events) on every node; the per-user notifier's `publish(userIds)` rides on this.
 */
export type ControlMessage =
  | { kind: 'recheck'; userId?: string; familyId?: string; reason?: string }
  | { kind: 'session-ended'; sessionHash: string }
  | { kind: 'access-events'; userIds: string[] };

export interface ControlOrigin {
  /** The node that published the message. */
  nodeId: string;
  /** True when it was published on this node (delivered synchronously, not through Redis). */
  local: boolean;
}

export type ControlHandler = (msg: ControlMessage, origin: ControlOrigin) => void;

export interface Fanout {
  /** This node's id; messages carrying it are this node's own and are not handed on again. */
  readonly nodeId: string;
  readonly kind: 'local' | 'redis';
  /** Whether messages from other nodes can currently arrive (always true for the local fan-out). */
  readonly connected: boolean;

  /** Publish a committed update to the other nodes that have the room loaded. Never throws; failures are logged and counted. */
  publishUpdate(update: CommittedUpdate): void;
  /** Publish an awareness message (y-protocols encoding) of a room; never stored. */
  publishAwareness(room: string, data: Uint8Array): void;

  /**
   * Receive the room's events from other nodes while the room is loaded here; one handler per room (a second call replaces it).
   * Resolves once the subscription is in place (or has failed and will be retried on reconnect); never rejects.
   */
  subscribeRoom(room: string, handler: RoomHandler): Promise<void>;
  unsubscribeRoom(room: string): void;

  /** Deliver to this node's control handlers now and to every other node. */
  publishControl(msg: ControlMessage): void;
  onControl(handler: ControlHandler): () => void;

  /**
   * After the connection to the other nodes came back (subscriptions restored):
   * messages may have been lost, so the relay re-reads every loaded room from the
   * store (each sequencer's `resync()`) and re-checks every open socket against
   * the store — its session still exists, its access still holds (fail closed) —
   * and the "access changed" notifier tells every open stream to refetch.
   */
  onReconnect(handler: () => void): () => void;
  /** The connection to the other nodes was lost; control messages may be missed until `onReconnect`. */
  onDisconnect(handler: () => void): () => void;

  /** Resolves when the fan-out can reach its broker (readiness probe); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
