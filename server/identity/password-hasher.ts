// Password hashing off the event loop, in one worker thread. Each scrypt
// (N = 16384, r = 8) allocates 16 MiB; node's asynchronous crypto.scrypt runs
// it on whichever libuv pool thread is free, and glibc keeps a 16 MiB chunk in
// each such thread's malloc arena afterwards — ≈ 65 MB RSS after 50 logins on
// this machine, and more with a larger pool (docs/performance.md "Login
// memory"). One thread hashes one password at a time, so at most one such
// chunk is held, however many logins arrive; the others wait in a bounded
// queue. The thread starts on the first hash and ends after a while idle.
import { Worker } from 'node:worker_threads';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  maxmem?: number;
}

/** Runs scrypt and resolves with the derived key. */
export type ScryptRunner = (password: string, salt: Buffer, keylen: number, params: ScryptParams) => Promise<Buffer>;

/** More logins than this waiting for the hasher: refuse the next (the caller answers 503) rather than queue without bound. */
export class HasherBusy extends Error {
  constructor() {
    super('password hasher busy');
    this.name = 'HasherBusy';
  }
}

// CommonJS, evaluated in the worker: no file to find, whatever runs the server.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', (job) => {
  try {
    const key = scryptSync(job.password, Buffer.from(job.salt), job.keylen, job.params);
    parentPort.postMessage({ id: job.id, key: new Uint8Array(key) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message) });
  }
});
`;

interface Job {
  id: number;
  resolve(key: Buffer): void;
  reject(err: Error): void;
}

export interface PasswordHasherOptions {
  /** jobs waiting beyond the one running; default 256 */
  maxQueue?: number;
  /** the thread ends after this long without work; default 30 s */
  idleMs?: number;
}

export class PasswordHasher {
  readonly #maxQueue: number;
  readonly #idleMs: number;
  #worker: Worker | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #jobs = new Map<number, Job>();
  #nextId = 1;
  #closed = false;

  constructor(opts: PasswordHasherOptions = {}) {
    this.#maxQueue = opts.maxQueue ?? 256;
    this.#idleMs = opts.idleMs ?? 30_000;
  }

  /** The runner to hand to hashPassword / verifyPassword. */
  readonly scrypt: ScryptRunner = (password, salt, keylen, params) => {
    if (this.#closed) return Promise.reject(new Error('password hasher closed'));
    if (this.#jobs.size > this.#maxQueue) return Promise.reject(new HasherBusy());
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.#jobs.set(id, { id, resolve, reject });
      worker.postMessage({ id, password, salt: new Uint8Array(salt), keylen, params });
    });
  };

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    // Pending hashes keep the process up; an idle thread does not.
    worker.unref();
    worker.on('message', (msg: { id: number; key?: Uint8Array; error?: string }) => {
      const job = this.#jobs.get(msg.id);
      if (!job) return;
      this.#jobs.delete(msg.id);
      if (msg.key) job.resolve(Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.byteLength));
      else job.reject(new Error(msg.error ?? 'scrypt failed'));
      if (this.#jobs.size === 0) this.#scheduleIdle();
    });
    // A thread that dies (out of memory) fails what it held; the next hash starts a new one.
    const failAll = (err: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const job of this.#jobs.values()) job.reject(err);
      this.#jobs.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`password hasher exited (${code})`)));
    this.#worker = worker;
    return worker;
  }

  #scheduleIdle() {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#jobs.size > 0 || !this.#worker) return;
      const worker = this.#worker;
      this.#worker = null;
      void worker.terminate();
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  async close() {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = null;
    for (const job of this.#jobs.values()) job.reject(new Error('password hasher closed'));
    this.#jobs.clear();
    if (worker) await worker.terminate();
  }
}
