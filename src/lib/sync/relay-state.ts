// What the relay holds of one room's document, as far as this device can tell:
// the state vector of its greeting (a sync step 1 on connect), raised by its
// "saved" acknowledgements after each of our writes (MESSAGE_SAVED, sent once
// those writes are committed: the entries of the Yjs clients this socket
// wrote for) and by every update it has sent us since, because the relay
// forwards only what it has committed. A local change is saved once this
// covers it.
//
// The relay sends MESSAGE_SAVED only to sockets that ask for it
// (RELAY_ACK_PARAMS in the URL). A relay that does not know the message (an
// older server) acknowledges with a sync step 1 instead; that is read here too.
// Plain TypeScript (no runes), so that Node clients — the integration tests and
// the bench's devices — track "saved" exactly as the app does.
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import { MESSAGE_SAVED, MESSAGE_SYNC, SAVED_ACK_PARAM, SAVED_ACK_VERSION } from '../shared/protocol.ts';

/** URL parameters with which a client asks for MESSAGE_SAVED acknowledgements. */
export const RELAY_ACK_PARAMS: Readonly<Record<string, string>> = { [SAVED_ACK_PARAM]: SAVED_ACK_VERSION };

type MessageHandler = WebsocketProvider['messageHandlers'][number];

export class RelayState {
  #sv: Map<number, number> | null = null;

  /**
   * Hooks into `provider` (its sync handler and a handler for MESSAGE_SAVED);
   * `onChange` runs after every message that may change what the relay holds
   * or what this document holds. Create it before adding your own 'status'
   * listener: it forgets the relay's state on every disconnect first.
   */
  constructor(provider: WebsocketProvider, onChange: () => void = () => {}) {
    const sync = provider.messageHandlers[MESSAGE_SYNC] as MessageHandler;
    provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, type) => {
      const peek = decoding.clone(decoder);
      const subtype = decoding.readVarUint(peek);
      const payload = decoding.readVarUint8Array(peek);
      if (subtype === syncProtocol.messageYjsSyncStep1) this.#sv = Y.decodeStateVector(payload);
      else if (this.#sv) this.#raise(Y.parseUpdateMeta(payload).to); // step 2 or update: the relay holds what it sends
      sync(encoder, decoder, p, emitSynced, type);
      onChange();
    };
    provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder) => {
      // Nothing is written to the encoder: the provider sends no answer.
      const saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      // What the relay has committed only grows: its entries raise what we knew (from the greeting on).
      if (this.#sv) this.#raise(saved);
      else this.#sv = saved;
      onChange();
    };
    provider.on('status', ({ status }) => {
      if (status !== 'connected') this.#sv = null;
    });
  }

  /** True once the relay has told this connection what it holds. */
  get known(): boolean {
    return this.#sv !== null;
  }

  /** True when the relay holds everything `doc` holds; false while unknown. */
  holds(doc: Y.Doc): boolean {
    if (!this.#sv) return false;
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
      if ((this.#sv.get(client) ?? 0) < clock) return false;
    }
    return true;
  }

  /** Raises what we know the relay holds to these clocks (an update's end, or an acknowledgement's entries). */
  #raise(clocks: Map<number, number>) {
    const sv = this.#sv as Map<number, number>;
    for (const [client, clock] of clocks) if ((sv.get(client) ?? 0) < clock) sv.set(client, clock);
  }
}
