// The families a family member's pages are about ("Vores plan", its consents,
// its access log): the ones the device's index lists (offline too), refreshed
// from the server; the page shows the one its address names (`?familie=`),
// else the first. One rule for the three pages: reached without the address's
// family (a bookmark, a reload of a shortened link) the consents and the log
// showed nothing at all. Construct it during a page's initialisation: its
// effects belong to the page.
import type { CitizenFamily } from '../shared/family-types.ts';
import { allFamilies } from '../storage/sealed-rows.ts';
import { fetchMyFamilies } from '../sync/family.ts';
import { session } from '../sync/session.svelte.ts';
import { sync } from '../sync/sync-manager.svelte.ts';
import { shownFamily } from './shown-family.ts';

export class MemberFamilies {
  #named: () => string | null = () => null; // set by the constructor, before anything reads it
  #indexed = $state<{ id: string; name: string }[]>([]);
  /** what the server says this member may see; null until it has answered (or when it cannot be reached) */
  #mine = $state<CitizenFamily[] | null>(null);
  /** the family shown and the member's others (shown-family.ts) */
  readonly shown = $derived(shownFamily(this.#named(), this.#mine, this.#indexed));
  /** which families the device's index lists: the server is asked again when that set changes, not at every write to the index */
  readonly #indexedIds = $derived(this.#indexed.map((f) => f.id).join(' '));

  /** `named`: the family the page's address names (`?familie=`), if any */
  constructor(named: () => string | null) {
    this.#named = named;
    $effect(() => {
      void sync.indexVersion;
      const db = sync.db;
      if (db) void allFamilies(db).then((rows) => (this.#indexed = rows.map((f) => ({ id: f.id, name: f.name }))));
    });
    $effect(() => {
      void sync.online;
      void this.#indexedIds;
      if (session.me?.role === 'citizen') void this.refresh();
    });
  }

  /** Asks the server again (after a code from the tovholder linked another family). */
  async refresh() {
    try {
      this.#mine = (await fetchMyFamilies()).families;
    } catch {
      this.#mine = null;
    }
  }
}
