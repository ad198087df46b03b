// Which rooms this device has open: on screen (live, one per room name) and in
// a background sync (several may be in flight). A purge or a stop closes them
// first, since an open room's IndexedDB connection would block the deletion of
// its database, and a screen showing a room is told why it closed.
export interface OpenRoom {
  readonly room: string;
  readonly closed: unknown;
  markEnded(reason: string): void;
  /** Resolves once a close the relay has begun has landed (its reason says more than the device's own). */
  settleClose?(): Promise<void>;
  destroy(): Promise<void>;
}

export class RoomRegistry<R extends OpenRoom = OpenRoom> {
  readonly #live = new Map<string, R>();
  readonly #background = new Set<R>();

  addLive(room: R) {
    this.#live.set(room.room, room);
  }

  /** Forgets a live room if it is still the one registered under its name (a newer screen may have replaced it). */
  removeLive(room: R) {
    if (this.#live.get(room.room) === room) this.#live.delete(room.room);
  }

  isLive(name: string): boolean {
    return this.#live.has(name);
  }

  liveNames(): string[] {
    return [...this.#live.keys()];
  }

  addBackground(room: R) {
    this.#background.add(room);
  }

  /** False when the room was closed meanwhile (a purge or a stop took it). */
  hasBackground(room: R): boolean {
    return this.#background.has(room);
  }

  removeBackground(room: R) {
    this.#background.delete(room);
  }

  /**
   * Closes every open room among `names`; a live one is marked ended with
   * `reason` for its screen, unless the relay's own close (e.g. "samtykke
   * trukket tilbage"), already on its way, lands first. Resolves with the
   * names that were on screen.
   */
  async close(names: readonly string[], reason: string): Promise<Set<string>> {
    const closing: Promise<void>[] = [];
    const shown = new Set<string>();
    for (const name of names) {
      const live = this.#live.get(name);
      if (live) {
        shown.add(name);
        this.#live.delete(name);
        closing.push(
          (async () => {
            await live.settleClose?.();
            live.markEnded(reason);
            await live.destroy();
          })()
        );
      }
      for (const bg of this.#background) {
        if (bg.room !== name) continue;
        this.#background.delete(bg);
        closing.push(bg.destroy());
      }
    }
    await Promise.all(closing);
    return shown;
  }

  /** Closes everything (stop, logout). */
  async closeAll(): Promise<void> {
    const closing = [...this.#live.values(), ...this.#background].map((r) => r.destroy());
    this.#live.clear();
    this.#background.clear();
    await Promise.all(closing);
  }
}
