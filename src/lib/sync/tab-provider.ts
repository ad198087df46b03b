// y-websocket's provider with a lighter greeting between one browser's tabs.
//
// y-websocket keeps a room's copies in several tabs in step over BroadcastChannel.
// When a provider connects it publishes a sync step 1 and then a sync step 2
// of its whole document, whether or not another tab has the room open: for the
// large plan 22–52 ms of main thread on a tablet (CPU 4×) at every opening, and
// a 218 KB message (docs/performance.md). Here a connecting tab publishes only
// its state vector (MESSAGE_TAB_HELLO); a tab with the room open answers with
// what the new one lacks (a step 2 against that state vector) and a step 1 of
// its own, which the new tab answers with what the older one lacks. Two tabs
// still end with the same document, in both directions; a lone tab encodes only
// its state vector. Everything else — updates, awareness, the socket — is
// y-websocket's as it is.
//
// A tab still running an app version from before this greeting does not know
// the message and does not answer it (y-websocket logs "Unable to compute
// message"); its own greeting still reaches this tab in full. What the two tabs
// then do not exchange at once, each has from the device's store (a tab opening
// a room loads it first) or gets from the relay.
import * as Y from 'yjs';
import * as bc from 'lib0/broadcastchannel';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import { awarenessMessage, MESSAGE_SYNC, MESSAGE_TAB_HELLO, queryAwarenessMessage, syncStep1Message, tabHelloMessage } from '../shared/protocol.ts';

/**
 * The answer to another tab's greeting (y-websocket's subscriber publishes what
 * is written to `encoder`). From a socket (`fromSocket`) it is ignored: the
 * relay never sends it.
 */
function answerHello(encoder: encoding.Encoder, decoder: decoding.Decoder, provider: WebsocketProvider, fromSocket: boolean) {
  if (fromSocket) return;
  const theirs = decoding.readVarUint8Array(decoder);
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(encoder, provider.doc, theirs);
  bc.publish(provider.bcChannel, syncStep1Message(Y.encodeStateVector(provider.doc)), provider);
  // The greeting tab may have dropped this tab's presence.
  sendPresenceAnew(provider.awareness);
}

/**
 * Sets this tab's presence again, so it goes out with the next clock. Another tab may have dropped it
 * (y-websocket drops every other client's when a socket closes, and a tab closing its channel says it left, as
 * both do when the device goes offline) and keeps its clock: the same state sent again would be ignored until its
 * renewal, up to 15 s later. Returns false when this tab has no presence to send.
 */
function sendPresenceAnew(awareness: awarenessProtocol.Awareness): boolean {
  const presence = awareness.getLocalState();
  if (presence === null) return false;
  awareness.setLocalState(presence);
  return true;
}

export class TabProvider extends WebsocketProvider {
  constructor(...args: ConstructorParameters<typeof WebsocketProvider>) {
    super(...args);
    this.messageHandlers[MESSAGE_TAB_HELLO] = answerHello;
  }

  /** y-websocket's connectBc, with the greeting above in place of its whole-document step 2. */
  override connectBc() {
    if (this.disableBc) return;
    if (!this.bcconnected) {
      bc.subscribe(this.bcChannel, this._bcSubscriber);
      this.bcconnected = true;
    }
    bc.publish(this.bcChannel, tabHelloMessage(Y.encodeStateVector(this.doc)), this);
    bc.publish(this.bcChannel, queryAwarenessMessage(), this);
    // A tab that dropped this one's presence takes it again at once.
    if (!sendPresenceAnew(this.awareness)) {
      bc.publish(this.bcChannel, awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])), this);
    }
  }
}
