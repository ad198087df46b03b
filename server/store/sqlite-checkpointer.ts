// WAL checkpoints off the event loop. In WAL mode SQLite copies the log back
// into the database file (a checkpoint) from whichever commit finds the log
// past `wal_autocheckpoint` pages, and with `synchronous = NORMAL` that
// checkpoint is also where the file is synced: on the relay's connection, a
// commit now and then held the event loop for the copy and an fsync (10–20 ms
// for 4 MB on these disks), and every socket waited. Under a writer of large
// updates that set the relay's fan-out p99 (docs/performance.md, "WAL
// checkpoints off the event loop").
//
// Here a worker thread with a connection of its own runs a PASSIVE checkpoint
// a short while after each transaction the store commits (a single-statement
// write outside one waits for the next): PASSIVE neither waits for nor blocks the
// main connection's readers and writers. The main connection keeps a much
// higher automatic threshold as a backstop, so the log stays bounded if the
// thread falls behind or dies (a dead thread is started again at the next
// write).
import { Worker } from 'node:worker_threads';

// CommonJS, evaluated in the worker: no file to find, whatever runs the server.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const r = checkpoint.get();
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
});
`;

/** The main connection checkpoints by itself only past this many pages (≈ 40 MB at 4 KiB): the backstop. */
export const BACKSTOP_WAL_PAGES = 10_000;

export interface CheckpointResult {
  /** frames in the log */
  log: number;
  /** frames of it now in the database file */
  checkpointed: number;
}

export interface CheckpointerOptions {
  /** how long after a write the checkpoint runs; writes meanwhile share it. Default 500 ms. */
  delayMs?: number;
  /** told of a checkpoint that failed (the next write schedules another) */
  onError?: (err: Error) => void;
}

export class WalCheckpointer {
  readonly #file: string;
  readonly #delayMs: number;
  readonly #onError: (err: Error) => void;
  #worker: Worker | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  /** a write came in while a checkpoint ran: run another after it */
  #again = false;
  #closed = false;
  #waiters: ((r: CheckpointResult | null) => void)[] = [];

  constructor(file: string, opts: CheckpointerOptions = {}) {
    this.#file = file;
    this.#delayMs = opts.delayMs ?? 500;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Something was committed: checkpoint it soon. Cheap enough for every commit. */
  wrote() {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run();
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Resolves after the next checkpoint has run (null when it failed or the checkpointer closed). */
  next(): Promise<CheckpointResult | null> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #run() {
    if (this.#closed) return;
    this.#running = true;
    this.#again = false;
    this.#start().postMessage('checkpoint');
  }

  #done(result: CheckpointResult | null) {
    this.#running = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(result);
    if (this.#again) this.wrote();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.#file } });
    // The store's close ends it; it must never keep a process up on its own.
    worker.unref();
    worker.on('message', (msg: CheckpointResult | { error: string }) => {
      if ('error' in msg) {
        this.#onError(new Error(msg.error));
        this.#done(null);
      } else this.#done(msg);
    });
    const lost = (err: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      if (!this.#closed) this.#onError(err);
      // What it was checkpointing is still in the log: the next write starts a thread and runs it again
      // (not at once: a thread that cannot start would otherwise be started again and again with nothing written).
      if (this.#running) this.#done(null);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`checkpointer exited (${code})`)));
    this.#worker = worker;
    return worker;
  }

  /** Ends the thread (after a checkpoint it is running); the caller closes the main connection after this. */
  async close() {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await exited;
    }
    this.#running = false;
    this.#again = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(null);
  }
}
