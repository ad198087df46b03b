// "N ændringer venter" counts changes a person would recognise, not Yjs
// updates: typing a sentence is one update per keystroke, so local updates
// closer together than a pause of QUIET_MS are one change (adding an action,
// then writing a sentence in the minutes a little later, is two).
export const QUIET_MS = 2500;

export class EditBursts {
  count = 0;
  #last = -Infinity;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** A local update happened; true when it starts a new change. */
  edit(): boolean {
    const at = this.#now();
    const fresh = at - this.#last >= QUIET_MS;
    this.#last = at;
    if (fresh) this.count++;
    return fresh;
  }

  /** The server holds everything: the next edit is a new change. */
  reset() {
    this.count = 0;
    this.#last = -Infinity;
  }
}
