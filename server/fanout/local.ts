// The one-process fan-out: there are no other nodes, so updates and awareness
// go nowhere (the relay has already sent them to its own sockets), and control
// messages come straight back to this node's handlers — the relay's code path
// is the same as with Redis.
import { randomBytes } from 'node:crypto';
import { silentLogger, type Logger } from '../log.ts';
import { controlToSend } from './frame.ts';
import { Listeners } from './listeners.ts';
import type { CommittedUpdate, ControlHandler, ControlMessage, ControlOrigin, Fanout, RoomHandler } from './types.ts';

export class LocalFanout implements Fanout {
  readonly kind = 'local';
  readonly connected = true;
  readonly nodeId: string;
  readonly #log: Logger;
  readonly #control: Listeners<[ControlMessage, ControlOrigin]>;
  #closed = false;

  constructor(opts: { nodeId?: string; log?: Logger } = {}) {
    this.nodeId = opts.nodeId ?? `n-${randomBytes(6).toString('hex')}`;
    this.#log = opts.log ?? silentLogger;
    this.#control = new Listeners(this.#log, 'control');
  }

  publishUpdate(_update: CommittedUpdate): void {}
  publishAwareness(_room: string, _data: Uint8Array): void {}
  async subscribeRoom(_room: string, _handler: RoomHandler): Promise<void> {}
  unsubscribeRoom(_room: string): void {}

  publishControl(msg: ControlMessage): void {
    if (this.#closed) return;
    const checked = controlToSend(msg, this.#log);
    if (checked) this.#control.emit(checked, { nodeId: this.nodeId, local: true });
  }

  onControl(handler: ControlHandler): () => void {
    return this.#control.add(handler);
  }

  onReconnect(_handler: () => void): () => void {
    return () => {};
  }

  onDisconnect(_handler: () => void): () => void {
    return () => {};
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    this.#control.clear();
  }
}
