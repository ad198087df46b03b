// A journal tab's room: open only while the tab is shown; its entries are
// re-read after every transaction.
import type * as Y from 'yjs';
import { readEntries, type JournalEntry } from '../domain/journal.ts';

export function openJournalRoom<R extends { doc: Y.Doc }>(
  rooms: { openRoom(name: string): R; closeRoom(room: R): void },
  name: string,
  on: { room(room: R | null): void; entries(entries: JournalEntry[]): void }
): () => void {
  const r = rooms.openRoom(name);
  const read = () => on.entries(readEntries(r.doc));
  r.doc.on('afterTransaction', read);
  read();
  on.room(r);
  return () => {
    r.doc.off('afterTransaction', read);
    rooms.closeRoom(r);
    on.room(null);
    on.entries([]);
  };
}
