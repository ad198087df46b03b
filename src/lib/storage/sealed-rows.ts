// Index rows with their family content sealed (DESIGN §13). A stored family or
// action row keeps in plain only what queries and the plan's first paint use
// (ids, dates, counts, statuses, access to the parts); its names and titles
// are sealed in a bundle: one per write, holding every row of that write, so
// that reading a city's caseload (5,000 families) opens a few dozen bundles
// rather than 5,000 rows (each WebCrypto call costs a round trip to its
// thread). Many small bundles — one per plan indexed — are merged when the
// caseload is read. A bundle that no row points to any more is deleted in the
// transaction that took its last row.
//
// Sealing is asynchronous and an IndexedDB transaction cannot wait for it:
// everything is sealed before the transaction and opened after it.
import {
  ACTION_SECRET_FIELDS,
  FAMILY_SECRET_FIELDS,
  type ActionRow,
  type ActionSecret,
  type BundleRow,
  type ConsentOutboxRow,
  type FamilyOutboxRow,
  type FamilyRow,
  type FamilySecret,
  type LocalDb,
  type StoredAction,
  type StoredConsentOutbox,
  type StoredFamily,
  type StoredFamilyOutbox
} from './db.ts';
import { DeviceLockedError, forgetKeptValues, keptTest, keptValue, sealJson, unsealJson, unsealJsonKept } from './device-key.ts';
import { inNameOrder } from './caseload.ts';

/** rows per bundle: small enough that opening one family's bundle is cheap, large enough that the caseload opens few */
export const BUNDLE_ROWS = 250;
/** the caseload read merges when family rows are spread over more bundles than this */
export const MERGE_AFTER_BUNDLES = 32;

const bundleContext = (kind: BundleRow['kind'], id: string) => `fp-index:${kind}:${id}`;

function split<R extends object, K extends keyof R>(row: R, fields: readonly K[]): { plain: Omit<R, K>; secret: Pick<R, K> } {
  const plain = { ...row } as R;
  const secret = {} as Pick<R, K>;
  for (const f of fields) {
    secret[f] = row[f];
    delete plain[f];
  }
  return { plain, secret };
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

interface Sealed<S> {
  bundles: BundleRow[];
  rows: S[];
}

/** Seals rows a bundle of BUNDLE_ROWS at a time: a bundle holds its rows' `fields` by key, and each row keeps the rest and names its bundle. */
async function sealRows<R extends object, K extends keyof R>(kind: 'families' | 'actions', rows: readonly R[], fields: readonly K[], keyOf: (row: R) => string) {
  const out: Sealed<Omit<R, K> & { bundle: string }> = { bundles: [], rows: [] };
  for (const part of chunks(rows, BUNDLE_ROWS)) {
    const id = crypto.randomUUID();
    const secrets: Record<string, Pick<R, K>> = {};
    for (const r of part) {
      const { plain, secret } = split(r, fields);
      secrets[keyOf(r)] = secret;
      out.rows.push({ ...plain, bundle: id });
    }
    out.bundles.push({ id, kind, s: await sealJson(secrets, bundleContext(kind, id)) });
  }
  return out;
}

const sealFamilies = (rows: readonly FamilyRow[]): Promise<Sealed<StoredFamily>> => sealRows('families', rows, FAMILY_SECRET_FIELDS, (r) => r.id);
const sealActions = (rows: readonly ActionRow[]): Promise<Sealed<StoredAction>> => sealRows('actions', rows, ACTION_SECRET_FIELDS, (r) => r.key);

/**
 * Opens bundles read with their rows; a bundle that is gone or does not open
 * leaves its rows out. A bundle opened before is not opened again (its id is
 * new at every write): the plan's opening reads its family's row from the
 * bundle the caseload or the last opening opened, rather than decrypting and
 * parsing 250 rows for one (≈ 8 ms of a tablet's opening).
 */
async function openBundles<S>(kind: BundleRow['kind'], bundles: readonly (BundleRow | undefined)[]): Promise<Map<string, Record<string, S>>> {
  const out = new Map<string, Record<string, S>>();
  await Promise.all(
    bundles.map(async (b) => {
      if (!b || b.kind !== kind || out.has(b.id)) return;
      try {
        out.set(b.id, await unsealJsonKept<Record<string, S>>(b.s, bundleContext(kind, b.id)));
      } catch (err) {
        console.warn(`index bundle ${b.id} does not open`, err);
      }
    })
  );
  return out;
}

/**
 * The family rows of `ids` and the bundles they point to, in one read transaction (of those two stores): another
 * tab writing or purging meanwhile cannot leave rows whose bundle is already gone.
 */
async function readFamiliesWithBundles(
  db: LocalDb,
  ids: readonly string[]
): Promise<{ rows: (StoredFamily | undefined)[]; bundles: (BundleRow | undefined)[] }> {
  return db.transaction('r', db.families, db.bundles, async () => {
    const rows = await db.families.bulkGet([...ids]);
    return { rows, bundles: await db.bundles.bulkGet(bundlesOf(rows)) };
  });
}

/** The bundles rows point to, each once (a row from before sealing points to none). */
function bundlesOf(rows: readonly ({ bundle: string } | undefined)[]): string[] {
  return [...new Set(rows.flatMap((r) => (r && typeof r.bundle === 'string' ? [r.bundle] : [])))];
}

function joinFamilies(rows: readonly (StoredFamily | undefined)[], opened: Map<string, Record<string, FamilySecret>>): (FamilyRow | undefined)[] {
  return rows.map((r) => {
    const secret = r ? opened.get(r.bundle)?.[r.id] : undefined;
    if (!r || !secret) return undefined;
    const { bundle: _, ...plain } = r;
    return { ...plain, ...secret };
  });
}

/** Deletes the bundles among `ids` that no row points to any more (inside the caller's transaction); resolves with those still used. */
async function dropUnused(db: LocalDb, ids: Iterable<string>): Promise<string[]> {
  const kept: string[] = [];
  for (const id of new Set(ids)) {
    if (typeof id !== 'string' || !id) continue; // a row from before sealing has no bundle
    const used = (await db.families.where('bundle').equals(id).count()) + (await db.actions.where('bundle').equals(id).count());
    if (used === 0) await db.bundles.delete(id);
    else kept.push(id);
  }
  return kept;
}

// ---- families ---------------------------------------------------------------

export async function getFamily(db: LocalDb, id: string): Promise<FamilyRow | undefined> {
  return (await getFamilies(db, [id]))[0];
}

export async function getFamilies(db: LocalDb, ids: readonly string[]): Promise<(FamilyRow | undefined)[]> {
  // One transaction: the rows, and of the bundles they point to only those not opened before (kept). A bundle's id
  // is new at every write, so what was opened under it is what it holds: a plan's opening back from the caseload
  // reads its row alone.
  const isKept = await keptTest();
  const context = (bundle: string) => bundleContext('families', bundle);
  const read = await db.transaction('r', db.families, db.bundles, async () => {
    const rows = await db.families.bulkGet([...ids]);
    const [skipped, needed] = partition(bundlesOf(rows), (b) => isKept(context(b)));
    return { rows, skipped, bundles: needed.length > 0 ? await db.bundles.bulkGet(needed) : [] };
  });
  const opened = await openBundles<FamilySecret>('families', read.bundles);
  for (const id of read.skipped) {
    const value = await keptValue<Record<string, FamilySecret>>(context(id));
    if (!value) {
      // Dropped meanwhile (locked, forgotten, or pushed off the shelf): read again, every bundle with its rows.
      const again = await readFamiliesWithBundles(db, ids);
      return joinFamilies(again.rows, await openBundles<FamilySecret>('families', again.bundles));
    }
    opened.set(id, value);
  }
  return joinFamilies(read.rows, opened);
}

function partition<T>(xs: readonly T[], test: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of xs) (test(x) ? yes : no).push(x);
  return [yes, no];
}

/** where the caseload's fence stood when allFamilies read these rows (keepCaseloadView) */
const fences = new WeakMap<readonly FamilyRow[], Uint8Array | undefined>();

/**
 * Every family row (the caseload): from the sealed copy when there is one
 * (one record, one open); otherwise from the rows and their bundles, and then
 * a new copy is written. Merges bundles when there are many small ones.
 */
export async function allFamilies(db: LocalDb): Promise<FamilyRow[]> {
  const copy = await readCaseloadCopy(db);
  if (copy) {
    // Many rows on top of the copy: a new copy, so later reads open one record again.
    if (copy.delta > FOLD_DELTA) writeCopyAfterPaint(db, copy.rows, copy.fence);
    fences.set(copy.rows, copy.fence);
    return copy.rows;
  }
  const read = await db.transaction('r', db.families, db.actions, db.bundles, async () => {
    const rows = await db.families.toArray();
    return { rows, bundles: await db.bundles.bulkGet(bundlesOf(rows)), fence: (await db.bundles.get(CASELOAD_FENCE))?.s };
  });
  const opened = await openBundles<FamilySecret>('families', read.bundles);
  const out = joinFamilies(read.rows, opened).filter((r): r is FamilyRow => !!r);
  // Only a complete read is worth a copy (a bundle that did not open left its rows out).
  if (out.length === read.rows.length) writeCopyAfterPaint(db, out, read.fence);
  if (opened.size > MERGE_AFTER_BUNDLES) void mergeFamilyBundles(db, read.rows, out).catch((err: unknown) => console.warn('index bundles not merged', err));
  fences.set(out, read.fence);
  return out;
}

/**
 * Keeps the caseload's screen (ui/first-paint.ts) for the next load's first paint, sealed, with the fence as it
 * stood when allFamilies read `rows`, the rows it shows: the shell's script shows it only while the fence has not
 * moved since. Nothing is kept for rows not read there. Sealed under the context src/first-paint.js opens it with.
 */
export async function keepCaseloadView(db: LocalDb, rows: readonly FamilyRow[], view: object) {
  const fence = fences.get(rows);
  if (!fence) return;
  await db.bundles.put({ id: CASELOAD_VIEW, kind: 'caseload', s: await sealJson(view, 'fp-first-paint:caseload'), fence });
}

// ---- the caseload's copy --------------------------------------------------------
// Reading a city's caseload row by row costs IndexedDB a record each (5,022
// rows: 240–430 ms in Chromium here before any bundle is opened, against
// ≈ 20 ms for 21 bundles of the same rows' names), so the caseload reads one
// sealed copy of every family row instead: one record, one AES-GCM open, one
// JSON.parse. Every write to the family rows (all in this module) moves the
// fence in its own transaction; allFamilies writes a new copy after a full
// read only if the fence has not moved since that read.
//
// A write of rows (the sweep's changes, a plan indexed after a colleague's
// edit) keeps the copy and adds the rows' ids to its delta, in the same
// transaction; a read takes the copy and, on top of it, those rows as they
// are now (read row by row, so only up to MAX_DELTA of them: a larger write
// drops the copy). Without it, every change that synced in made the next
// opening a full read, twice as long. A deletion (a purge, a lock) drops the
// copy and its delta: the copy never holds a row that was deleted.
// The rows are stored by column: each field's name once, not once per row,
// and a field of few distinct values (team, district, status, the team's
// workers, the parts a worker may open) as those values and an index per row.
// At 5,022 families that is 0.6 MB to read from IndexedDB, open, decode and
// parse instead of 2.3 MB of rows.

const CASELOAD_COPY = 'caseload';
const CASELOAD_FENCE = 'caseload-fence';
const CASELOAD_DELTA = 'caseload-delta';
/** the caseload's screen for the next load's first paint (src/first-paint.js reads it by this name) */
const CASELOAD_VIEW = 'caseload-view';
/** the most rows the delta lists; a write that would take it past this drops the copy instead */
export const MAX_DELTA = 1_000;
/** a read that finds more rows than this in the delta writes a new copy (after its paint) */
export const FOLD_DELTA = 50;
const COPY_VERSION = 5;
/** Runs `f` in a task after the next frame (the rows read are painted first); without frames (Node), in the next task. */
function afterPaint(f: () => void) {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(f, 0));
  else setTimeout(f, 0);
}

let copyWritten: Promise<void> = Promise.resolve();
/** Settles once the copy allFamilies last set out to write is stored (or was not: a write came first). For tests. */
export const caseloadCopySettled = () => copyWritten;

/** After the rows read are painted: a new copy of them, if nothing was written since the read (`fence`). */
function writeCopyAfterPaint(db: LocalDb, rows: readonly FamilyRow[], fence: Uint8Array | undefined) {
  copyWritten = new Promise<void>((resolve) =>
    afterPaint(() => {
      writeCaseloadCopy(db, rows, fence)
        .catch((err: unknown) => console.warn('caseload copy not stored', err))
        .finally(resolve);
    })
  );
}

interface CaseloadCopy {
  v: number;
  /** how many rows */
  n: number;
  /**
   * every field of the rows: its value in each row, or for a field of few
   * distinct values (a team, a status, a list of workers) those values once
   * and each row's index among them
   */
  cols: Record<string, unknown[] | { values: unknown[]; of: number[] }>;
  /** a field some rows lack (JSON has no undefined): those rows' indexes */
  absent: Record<string, number[]>;
}

/** Keeps one copy of each distinct value: a string or number as it is, a list (a team's workers) by its content. */
function interner<T>(): { list: T[]; indexOf(value: T): number } {
  const list: T[] = [];
  const seen = new Map<unknown, number>();
  return {
    list,
    indexOf(value) {
      const key = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
      let i = seen.get(key);
      if (i === undefined) {
        i = list.push(value) - 1;
        seen.set(key, i);
      }
      return i;
    }
  };
}

const moveFence = (db: LocalDb) => db.bundles.put({ id: CASELOAD_FENCE, kind: 'caseload', s: crypto.getRandomValues(new Uint8Array(16)) });

/** Deletes the caseload's copy and its delta and moves its fence (inside the caller's transaction over bundles, or alone). */
async function dropCaseloadCopy(db: LocalDb) {
  await db.bundles.bulkDelete([CASELOAD_COPY, CASELOAD_DELTA, CASELOAD_VIEW]);
  await moveFence(db);
}

/**
 * Rows `ids` were written (inside the caller's transaction over bundles): the
 * copy, if there is one, keeps them in its delta, or goes when that would list
 * more than MAX_DELTA; the fence moves either way.
 */
async function keepInDelta(db: LocalDb, ids: readonly string[]) {
  // Whether there is a copy, by its key: reading it would clone 0.6 MB at every write.
  const [copies, delta] = await Promise.all([db.bundles.where('id').equals(CASELOAD_COPY).count(), db.bundles.get(CASELOAD_DELTA)]);
  const listed = new Set([...(delta?.ids ?? []), ...ids]);
  if (copies === 0 || listed.size > MAX_DELTA) return dropCaseloadCopy(db);
  await db.bundles.put({ id: CASELOAD_DELTA, kind: 'caseload', s: new Uint8Array(0), ids: [...listed] });
  await moveFence(db);
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined) => (!a || !b ? a === b : a.byteLength === b.byteLength && a.every((x, i) => x === b[i]));

/**
 * The copy with the rows of its delta as they are now, read in one
 * transaction; `delta`: how many rows that was, `fence`: where the fence stood.
 * Null when there is no copy or it (or a row of its delta) does not open: then
 * the rows decide.
 */
async function readCaseloadCopy(db: LocalDb): Promise<{ rows: FamilyRow[]; delta: number; fence: Uint8Array | undefined } | null> {
  const read = await db.transaction('r', db.families, db.bundles, async () => {
    const [stored, delta, fence] = await db.bundles.bulkGet([CASELOAD_COPY, CASELOAD_DELTA, CASELOAD_FENCE]);
    if (!stored || stored.kind !== 'caseload') return null;
    const rows = delta?.ids?.length ? await db.families.bulkGet(delta.ids) : [];
    const ids = [...new Set(rows.flatMap((r) => (r ? [r.bundle] : [])))];
    return { stored, rows, bundles: await db.bundles.bulkGet(ids), fence: fence?.s };
  });
  if (!read) return null;
  try {
    const copy = await unsealJson<CaseloadCopy>(read.stored.s, bundleContext('caseload', CASELOAD_COPY));
    if (copy.v !== COPY_VERSION) return null;
    const now = joinFamilies(read.rows, await openBundles<FamilySecret>('families', read.bundles));
    // A row of the delta that is gone (only a deletion takes one, and it drops the copy) or does not open: the rows decide.
    if (!now.every((r) => r)) return null;
    return { rows: rowsOfCopy(copy, now as FamilyRow[]), delta: now.length, fence: read.fence };
  } catch (err) {
    // Locked, or sealed under a key this device no longer has: the rows decide (and say why).
    if (!(err instanceof DeviceLockedError)) console.warn('caseload copy does not open', err);
    return null;
  }
}

/**
 * One named store per field of a row. Built with computed keys
 * (`row[field] = value`), a row of this many fields becomes a dictionary-mode
 * object in V8, and every read of a city's caseload (the filters, the sorts,
 * the desk) is then a hash lookup per field: building and reading 5,000 such
 * rows cost several times what it does with these. Listing every field here
 * also makes a new field of FamilyRow a type error until it is added.
 */
const SET_FIELD: { [K in keyof FamilyRow]-?: (row: FamilyRow, value: FamilyRow[K]) => void } = {
  id: (r, v) => void (r.id = v),
  name: (r, v) => void (r.name = v),
  district: (r, v) => void (r.district = v),
  teamId: (r, v) => void (r.teamId = v),
  teamName: (r, v) => void (r.teamName = v),
  status: (r, v) => void (r.status = v),
  tovholderId: (r, v) => void (r.tovholderId = v),
  tovholderName: (r, v) => void (r.tovholderName = v),
  nextDue: (r, v) => void (r.nextDue = v),
  overdueCount: (r, v) => void (r.overdueCount = v),
  openActions: (r, v) => void (r.openActions = v),
  lastActivity: (r, v) => void (r.lastActivity = v),
  consentStatus: (r, v) => void (r.consentStatus = v),
  search: (r, v) => void (r.search = v),
  parts: (r, v) => void (r.parts = v),
  workers: (r, v) => void (r.workers = v),
  openedBySector: (r, v) => void (r.openedBySector = v),
  ref: (r, v) => void (r.ref = v),
  grantUntil: (r, v) => void (r.grantUntil = v),
  children: (r, v) => void (r.children = v),
  consentUntil: (r, v) => void (r.consentUntil = v),
  goalsWithoutActions: (r, v) => void (r.goalsWithoutActions = v),
  nextMeeting: (r, v) => void (r.nextMeeting = v),
  handoverTo: (r, v) => void (r.handoverTo = v),
  indexedFrom: (r, v) => void (r.indexedFrom = v)
};

type FieldSetter = (row: FamilyRow, value: unknown) => void;
const setterOf = (field: string): FieldSetter =>
  Object.hasOwn(SET_FIELD, field) ? (SET_FIELD[field as keyof FamilyRow] as FieldSetter) : (row, value) => ((row as unknown as Record<string, unknown>)[field] = value);

/** The copy's rows, with `written` (the delta's rows as they are now) in place of theirs, or added. */
function rowsOfCopy(copy: CaseloadCopy, written: readonly FamilyRow[] = []): FamilyRow[] {
  const fields = Object.keys(copy.cols);
  const set = fields.map(setterOf);
  const columns = fields.map((f) => {
    const col = copy.cols[f];
    return Array.isArray(col) ? { values: col, of: null } : col;
  });
  const gone = fields.map((f) => (copy.absent[f] ? new Set(copy.absent[f]) : null));
  const rows = new Array<FamilyRow>(copy.n);
  for (let i = 0; i < copy.n; i++) {
    const row = {} as FamilyRow;
    for (let j = 0; j < fields.length; j++) {
      if (gone[j]?.has(i)) continue;
      const { values, of } = columns[j];
      set[j](row, of ? values[of[i]] : values[i]);
    }
    rows[i] = row;
  }
  if (written.length === 0) return rows;
  const at = new Map(rows.map((r, i) => [r.id, i]));
  let reorder = false;
  for (const w of written) {
    // Built field by field in the copy's order, so it has the same shape as the rows around it.
    const row = {} as FamilyRow;
    fields.forEach((f, j) => {
      if (f in w) set[j](row, (w as unknown as Record<string, unknown>)[f]);
    });
    for (const [f, v] of Object.entries(w)) if (f !== 'indexedFrom' && !(f in copy.cols)) setterOf(f)(row, v);
    const i = at.get(w.id);
    if (i === undefined) {
      reorder = true;
      rows.push(row);
    } else {
      reorder ||= rows[i].name !== row.name;
      rows[i] = row;
    }
  }
  // Kept in the first order (by name), as the copy is.
  return reorder ? inNameOrder(rows) : rows;
}

/** The copy of `rows`, by column, in name order. */
function caseloadCopyOf(rows: readonly FamilyRow[]): CaseloadCopy {
  // In the caseload's first order (by name): sorting a list already in order is one pass.
  const byName = inNameOrder(rows);
  const plain = byName.map(({ indexedFrom: _i, ...row }) => row as Record<string, unknown>);
  const cols: CaseloadCopy['cols'] = {};
  const absent: Record<string, number[]> = {};
  for (const field of new Set(plain.flatMap((row) => Object.keys(row)))) {
    const values = plain.map((row) => row[field] ?? null);
    const distinct = interner<unknown>();
    const of = values.map((v) => distinct.indexOf(v));
    cols[field] = distinct.list.length * 4 <= values.length ? { values: distinct.list, of } : values;
    const lacking = plain.flatMap((row, i) => (row[field] === undefined ? [i] : []));
    if (lacking.length > 0) absent[field] = lacking;
  }
  return { v: COPY_VERSION, n: byName.length, cols, absent };
}

async function writeCaseloadCopy(db: LocalDb, rows: readonly FamilyRow[], fence: Uint8Array | undefined) {
  const copy = caseloadCopyOf(rows);
  const s = await sealJson(copy, bundleContext('caseload', CASELOAD_COPY));
  await db.transaction('rw', db.bundles, async () => {
    // A write since the read: this copy would be stale (the next full read writes one).
    if (!sameBytes((await db.bundles.get(CASELOAD_FENCE))?.s, fence)) return;
    await db.bundles.put({ id: CASELOAD_COPY, kind: 'caseload', s });
    await db.bundles.delete(CASELOAD_DELTA);
  });
}

/**
 * Rewrites the rows of small bundles into full ones. A row written meanwhile
 * (its bundle changed) is left as it is.
 */
async function mergeFamilyBundles(db: LocalDb, stored: readonly StoredFamily[], open: readonly FamilyRow[]) {
  const perBundle = new Map<string, number>();
  for (const r of stored) perBundle.set(r.bundle, (perBundle.get(r.bundle) ?? 0) + 1);
  const was = new Map(stored.map((r) => [r.id, r.bundle]));
  const small = open.filter((r) => (perBundle.get(was.get(r.id) ?? '') ?? 0) < BUNDLE_ROWS / 2);
  if (small.length < 2) return;
  const sealed = await sealFamilies(small);
  await db.transaction('rw', db.families, db.actions, db.bundles, async () => {
    const current = await db.families.bulkGet(small.map((r) => r.id));
    const keep = sealed.rows.filter((r, i) => current[i]?.bundle === was.get(r.id));
    const used = new Set(keep.map((r) => r.bundle));
    await db.bundles.bulkPut(sealed.bundles.filter((b) => used.has(b.id)));
    // Only the bundle pointer moves: the plain fields stay as they are now.
    await db.families.bulkUpdate(keep.map((r) => ({ key: r.id, changes: { bundle: r.bundle } })));
    await dropUnused(
      db,
      keep.map((r) => was.get(r.id) ?? '')
    );
  });
}

/**
 * The plain fields of a family row that only the sweep writes, from the
 * server's list (index-summaries.ts): who may open which part, the consent,
 * the case owner's sector, a grant's end.
 */
const SERVER_PLAIN_FIELDS = ['parts', 'consentStatus', 'openedBySector', 'grantUntil', 'consentUntil'] as const;
export type ServerPlainFields = Pick<FamilyRow, (typeof SERVER_PLAIN_FIELDS)[number]>;

const serverPlainFields = (row: StoredFamily) => Object.fromEntries(SERVER_PLAIN_FIELDS.map((f) => [f, row[f]])) as ServerPlainFields;

/**
 * Writes family rows (whole), and with `actions` replaces every action row of
 * those families. `onlyIfAbsent`: rows are added only for families without
 * one (the sweep's new families), in the same transaction. `fromPlan`: the
 * rows were built from plan documents (the indexer), which read the row some
 * time before; only families the index still lists are written, and they keep
 * the server's fields they have now, so a sweep in between (access given
 * back, or ended and purged) is not undone.
 */
export async function putFamilies(db: LocalDb, families: readonly FamilyRow[], opts: { actions?: readonly ActionRow[]; onlyIfAbsent?: boolean; fromPlan?: boolean } = {}) {
  const sealed = await sealFamilies(families);
  const actions = opts.actions ? await sealActions(opts.actions) : null;
  await db.transaction('rw', db.families, db.actions, db.bundles, async () => {
    const before = await db.families.bulkGet(sealed.rows.map((r) => r.id));
    const rows = opts.onlyIfAbsent
      ? sealed.rows.filter((_, i) => !before[i])
      : opts.fromPlan
        ? sealed.rows.flatMap((r, i) => {
            const now = before[i];
            return now ? [{ ...r, ...serverPlainFields(now) }] : [];
          })
        : sealed.rows;
    const stale: string[] = [];
    for (const b of before) if (b && !opts.onlyIfAbsent) stale.push(b.bundle);
    const used = new Set(rows.map((r) => r.bundle));
    await db.bundles.bulkPut(sealed.bundles.filter((b) => used.has(b.id)));
    await db.families.bulkPut(rows);
    if (actions || opts.onlyIfAbsent) {
      const ids = rows.map((r) => r.id);
      const old = await db.actions.where('familyId').anyOf(ids).toArray();
      stale.push(...old.map((a) => a.bundle));
      await db.actions.bulkDelete(old.map((a) => a.key));
      if (actions) {
        // Only under the rows written (`fromPlan` leaves out a family purged meanwhile).
        const written = new Set(ids);
        const kept = actions.rows.filter((a) => written.has(a.familyId));
        const keptBundles = new Set(kept.map((a) => a.bundle));
        await db.bundles.bulkPut(actions.bundles.filter((b) => keptBundles.has(b.id)));
        await db.actions.bulkPut(kept);
      }
    }
    await dropUnused(db, stale);
    await keepInDelta(db, rows.map((r) => r.id));
  });
}

/** Changes plain fields of family rows (those that are not sealed) in one transaction. */
export async function updatePlainFamilies(db: LocalDb, changes: { key: string; changes: Partial<Omit<StoredFamily, 'bundle' | 'id'>> }[]) {
  if (changes.length === 0) return;
  await db.transaction('rw', db.families, db.bundles, async () => {
    await db.families.bulkUpdate(changes);
    await keepInDelta(db, changes.map((c) => c.key));
  });
}

/**
 * Deletes families' rows and their action rows (inside or outside a
 * transaction over families, actions and bundles). Resolves with the bundles
 * that held their sealed fields and still hold other families' (a bundle
 * holds every row of one write): pass them to `resealWithout` once the
 * transaction is done, or the deleted families' names stay on the device,
 * sealed, until those bundles go.
 */
export async function deleteFamilies(db: LocalDb, ids: readonly string[]): Promise<string[]> {
  const rows = (await db.families.bulkGet([...ids])).filter((r): r is StoredFamily => !!r);
  const actions = await db.actions.where('familyId').anyOf([...ids]).toArray();
  await db.families.bulkDelete([...ids]);
  await db.actions.bulkDelete(actions.map((a) => a.key));
  const shared = await dropUnused(db, [...rows.map((r) => r.bundle), ...actions.map((a) => a.bundle)]);
  await dropCaseloadCopy(db);
  // What was opened of their bundles goes from memory too.
  forgetKeptValues();
  return shared;
}

/** the family a bundle's entry belongs to: a family row is keyed by its id, an action row by `familyId/actionId` */
const familyOfEntry = (kind: BundleRow['kind'], key: string) => (kind === 'actions' ? key.slice(0, key.indexOf('/')) : key);

/**
 * Seals the bundles `bundleIds` again, under new ids, without the entries of
 * `familyIds` (deleted by `deleteFamilies`), and deletes the old ones: a purge
 * leaves nothing of a family in a bundle other families share. The rows that
 * still point at an old bundle move to its new one; a bundle that does not
 * open (another key) is left as it is, since nothing can read it.
 */
export async function resealWithout(db: LocalDb, bundleIds: readonly string[], familyIds: readonly string[]) {
  const gone = new Set(familyIds);
  for (const old of await db.bundles.bulkGet([...bundleIds])) {
    if (!old || old.kind === 'caseload') continue;
    const kind = old.kind;
    let entries: Record<string, unknown>;
    try {
      entries = await unsealJson<Record<string, unknown>>(old.s, bundleContext(kind, old.id));
    } catch (err) {
      console.warn(`index bundle ${old.id} not sealed again`, err);
      continue;
    }
    const keys = Object.keys(entries).filter((k) => !gone.has(familyOfEntry(kind, k)));
    if (keys.length === Object.keys(entries).length) continue;
    const id = crypto.randomUUID();
    const s = await sealJson(Object.fromEntries(keys.map((k) => [k, entries[k]])), bundleContext(kind, id));
    await db.transaction('rw', db.families, db.actions, db.bundles, async () => {
      if (!(await db.bundles.get(old.id))) return; // merged or deleted meanwhile
      const table = kind === 'families' ? db.families : db.actions;
      const pointing: string[] = await table.where('bundle').equals(old.id).primaryKeys();
      const kept = new Set(keys);
      // Only a row the new bundle holds moves (a row written meanwhile points at its own bundle).
      if (pointing.some((k) => !kept.has(k))) return;
      if (pointing.length === 0) return void (await db.bundles.delete(old.id));
      await db.bundles.put({ id, kind, s });
      await table.bulkUpdate(pointing.map((key) => ({ key, changes: { bundle: id } })));
      await db.bundles.delete(old.id);
    });
  }
  forgetKeptValues();
}

/** Every index row gone (a lease lock). */
export async function clearIndex(db: LocalDb) {
  forgetKeptValues();
  await db.transaction('rw', db.families, db.actions, db.bundles, async () => {
    await db.families.clear();
    await db.actions.clear();
    await db.bundles.clear();
    await dropCaseloadCopy(db);
  });
}

// ---- actions ----------------------------------------------------------------

/** Opens stored action rows (e.g. from a query on the plain fields). */
export async function openActions(db: LocalDb, rows: readonly StoredAction[]): Promise<ActionRow[]> {
  const bundles = await db.bundles.bulkGet([...new Set(rows.map((r) => r.bundle).filter((b) => typeof b === 'string'))]);
  const opened = await openBundles<ActionSecret>('actions', bundles);
  return rows.flatMap((r) => {
    const secret = opened.get(r.bundle)?.[r.key];
    if (!secret) return [];
    const { bundle: _, ...plain } = r;
    return [{ ...plain, ...secret }];
  });
}

// ---- outboxes: consents, families opened offline ---------------------------------
// What waits to be sent is sealed but for the fields its queue is read by:
// its payload and the error the server gave are one sealed value, bound to
// the row (`context`).

type Payload = { payload: unknown; error: unknown };

async function sealPayload<R extends Payload>(row: R, context: string): Promise<Omit<R, keyof Payload> & { s: Uint8Array }> {
  const { payload, error, ...plain } = row;
  return { ...plain, s: await sealJson({ payload, error }, context) };
}

/** The row opened (`context(row)`), or null when it does not open (another key): said in the console (`what`). */
async function openPayload<R>(row: { s: Uint8Array }, context: string, what: string): Promise<R | null> {
  try {
    const { s, ...plain } = row;
    return { ...plain, ...(await unsealJson<Payload>(s, context)) } as R;
  } catch (err) {
    console.warn(`${what} does not open`, err);
    return null;
  }
}

const consentContext = (row: { familyId: string }) => `fp-consent-outbox:${row.familyId}`;

function isSealedOutbox(r: StoredConsentOutbox | ConsentOutboxRow): r is StoredConsentOutbox {
  return (r as StoredConsentOutbox).s instanceof Uint8Array;
}

export const sealOutbox = (row: ConsentOutboxRow): Promise<StoredConsentOutbox> => sealPayload(row, consentContext(row));

/** The queued consents that open; rows from before sealing (plain) as they are. */
export async function openOutbox(rows: readonly (StoredConsentOutbox | ConsentOutboxRow)[]): Promise<ConsentOutboxRow[]> {
  const out: ConsentOutboxRow[] = [];
  for (const r of rows) {
    const row = isSealedOutbox(r) ? await openPayload<ConsentOutboxRow>(r, consentContext(r), `queued consent ${r.localId}`) : r;
    if (row) out.push(row);
  }
  return out;
}

/** Seals the outbox rows written before sealing existed (plain payloads). */
export async function sealPlainOutbox(db: LocalDb) {
  const plain = (await db.consentOutbox.toArray()).filter((r): r is ConsentOutboxRow => !isSealedOutbox(r));
  if (plain.length === 0) return;
  const sealed = await Promise.all(plain.map(sealOutbox));
  await db.consentOutbox.bulkPut(sealed);
}

// ---- families opened offline --------------------------------------------------

const familyContext = (row: { id: string }) => `fp-family-outbox:${row.id}`;

export const sealFamilyOutbox = (row: FamilyOutboxRow): Promise<StoredFamilyOutbox> => sealPayload(row, familyContext(row));

/** The rows that open; one that does not (another key) is skipped and said in the console. */
export async function openFamilyOutbox(rows: readonly StoredFamilyOutbox[]): Promise<FamilyOutboxRow[]> {
  const out: FamilyOutboxRow[] = [];
  for (const r of rows) {
    const row = await openPayload<FamilyOutboxRow>(r, familyContext(r), `family ${r.id} waiting on this device`);
    if (row) out.push(row);
  }
  return out;
}
