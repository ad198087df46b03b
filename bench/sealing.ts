// What sealing family data on the device (DESIGN §13) adds, measured alone in
// Chromium, same page, back to back with the plain way: the large plan's
// stored view copy (its content as JSON) and its document (one Yjs update, as
// after compaction) read from IndexedDB and opened (AES-GCM, WebCrypto), the
// kept data key read (a full page load; in-app navigation has it in memory),
// and a compaction (seal the merged document, add it, delete what it replaces).
// The full client section (bench/client.ts) measures the page as a whole; this
// isolates the encryption's share, which on a shared machine would drown in
// the page's own noise.
import * as Y from 'yjs';
import { largePlan } from './client.ts';
import { launchChromium } from './initial-js.ts';
import { round, summarize, type Summary } from './lib/stats.ts';

export interface SealingFigures {
  viewCopyBytes: number;
  documentBytes: number;
  reps: number;
  /** read + open the view copy: plain (as before) and sealed, and the difference per repetition */
  viewCopy: { plainMs: Summary; sealedMs: Summary; addedMs: Summary };
  /** read + open the document: plain and sealed */
  document: { plainMs: Summary; sealedMs: Summary; addedMs: Summary };
  /** read the kept data key from fp-keys (full page loads only) */
  keyReadMs: Summary;
  /** seal the merged document, add it, delete the records it replaces (100 small records) */
  compactionMs: Summary;
  note: string;
}

export async function sealingBench(opts: { quick: boolean }, log: (s: string) => void): Promise<SealingFigures> {
  const reps = opts.quick ? 10 : 40;
  const doc = new Y.Doc();
  largePlan(doc);
  const update = Y.encodeStateAsUpdate(doc);
  const view = JSON.stringify(doc.toJSON());
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // A secure context (WebCrypto) without a server.
    await page.route('http://localhost/', (r) => r.fulfill({ body: '<!doctype html><title>sealing</title>', contentType: 'text/html' }));
    await page.goto('http://localhost/');
    const raw = await page.evaluate(
      async ({ update, view, reps }) => {
        const u8 = new Uint8Array(update);
        const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
        const open = (name: string) =>
          new Promise<IDBDatabase>((res, rej) => {
            const r = indexedDB.open(name, 1);
            r.onupgradeneeded = () => {
              r.result.createObjectStore('updates', { autoIncrement: true });
              r.result.createObjectStore('custom');
              r.result.createObjectStore('keys', { keyPath: 'userId' });
            };
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          });
        const gcm = { name: 'AES-GCM', length: 256 } as const;
        const fresh = await crypto.subtle.generateKey(gcm, true, ['encrypt', 'decrypt']);
        const kek = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey', 'unwrapKey']);
        const wrapped = await crypto.subtle.wrapKey('raw', fresh, kek, 'AES-KW');
        const key = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', gcm, false, ['encrypt', 'decrypt']);
        const enc = new TextEncoder();
        const dec = new TextDecoder();
        const seal = async (data: Uint8Array<ArrayBuffer>, ctx: string) => {
          const iv = crypto.getRandomValues(new Uint8Array(12));
          const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(ctx) }, key, data));
          const out = new Uint8Array(13 + ct.byteLength);
          out[0] = 1;
          out.set(iv, 1);
          out.set(ct, 13);
          return out;
        };
        const unseal = async (s: Uint8Array<ArrayBuffer>, ctx: string) =>
          new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: s.subarray(1, 13), additionalData: enc.encode(ctx) }, key, s.subarray(13)));
        const db = await open('sealing-bench');
        let tx = db.transaction(['updates', 'custom', 'keys'], 'readwrite');
        tx.objectStore('custom').put({ v: 1, key: 1, state: JSON.parse(view) }, 'plain-view');
        tx.objectStore('custom').put({ v: 2, key: 1, s: await seal(enc.encode(view), 'fp-view:r') }, 'sealed-view');
        tx.objectStore('custom').put(u8, 'plain-doc');
        tx.objectStore('custom').put({ s: await seal(u8, 'fp-room:r') }, 'sealed-doc');
        tx.objectStore('keys').put({ userId: 'u', wrapped, unlocked: key, until: new Date(Date.now() + 86_400_000).toISOString() });
        await new Promise((r) => (tx.oncomplete = r));
        const get = (k: string) => req(db.transaction('custom', 'readonly').objectStore('custom').get(k));
        const out = { plainView: [] as number[], sealedView: [] as number[], plainDoc: [] as number[], sealedDoc: [] as number[], keyRead: [] as number[], compaction: [] as number[] };
        for (let i = 0; i < reps; i++) {
          let t = performance.now();
          const pv = (await get('plain-view')) as { state: unknown };
          void pv.state;
          out.plainView.push(performance.now() - t);
          t = performance.now();
          const sv = (await get('sealed-view')) as { s: Uint8Array<ArrayBuffer> };
          JSON.parse(dec.decode(await unseal(sv.s, 'fp-view:r')));
          out.sealedView.push(performance.now() - t);
          t = performance.now();
          await get('plain-doc');
          out.plainDoc.push(performance.now() - t);
          t = performance.now();
          const sd = (await get('sealed-doc')) as { s: Uint8Array<ArrayBuffer> };
          await unseal(sd.s, 'fp-room:r');
          out.sealedDoc.push(performance.now() - t);
          t = performance.now();
          const k = await open('sealing-bench').then(async (d) => {
            const r = await req(d.transaction('keys', 'readonly').objectStore('keys').get('u'));
            d.close();
            return r;
          });
          void k;
          out.keyRead.push(performance.now() - t);
          // 100 small records, then one compaction over them.
          tx = db.transaction('updates', 'readwrite');
          for (let j = 0; j < 100; j++) tx.objectStore('updates').add({ s: await seal(u8.subarray(0, 60), 'fp-room:r') });
          await new Promise((r) => (tx.oncomplete = r));
          t = performance.now();
          const merged = await seal(u8, 'fp-room:r');
          tx = db.transaction('updates', 'readwrite');
          const last = await req(tx.objectStore('updates').openKeyCursor(null, 'prev'));
          tx.objectStore('updates').add({ s: merged });
          tx.objectStore('updates').delete(IDBKeyRange.upperBound(Number(last?.key ?? 0)));
          await new Promise((r) => (tx.oncomplete = r));
          out.compaction.push(performance.now() - t);
        }
        db.close();
        return out;
      },
      { update: [...update], view, reps }
    );
    const drop = <T>(xs: T[]) => xs.slice(1); // the cold first repetition
    const added = (a: number[], b: number[]) => drop(b.map((x, i) => x - a[i]));
    const out: SealingFigures = {
      viewCopyBytes: view.length,
      documentBytes: update.byteLength,
      reps,
      viewCopy: { plainMs: summarize(drop(raw.plainView)), sealedMs: summarize(drop(raw.sealedView)), addedMs: summarize(added(raw.plainView, raw.sealedView)) },
      document: { plainMs: summarize(drop(raw.plainDoc)), sealedMs: summarize(drop(raw.sealedDoc)), addedMs: summarize(added(raw.plainDoc, raw.sealedDoc)) },
      keyReadMs: summarize(drop(raw.keyRead)),
      compactionMs: summarize(drop(raw.compaction)),
      note: 'Large plan (60 goals, 300 actions, 150 meetings). The view copy stand-in is the document as JSON (the page stores a similar object). Plain: the value read from IndexedDB as before (structured clone); sealed: read, AES-GCM open, decode (and JSON.parse for the view). First repetition dropped.'
    };
    log(
      `sealing: view copy ${round(out.viewCopyBytes / 1024, 1)} KiB added p50/p95 ${out.viewCopy.addedMs.p50}/${out.viewCopy.addedMs.p95} ms; document ${round(out.documentBytes / 1024, 1)} KiB added ${out.document.addedMs.p50}/${out.document.addedMs.p95} ms; ` +
        `key read ${out.keyReadMs.p50}/${out.keyReadMs.p95} ms; compaction ${out.compactionMs.p50}/${out.compactionMs.p95} ms`
    );
    return out;
  } finally {
    await browser.close();
  }
}
