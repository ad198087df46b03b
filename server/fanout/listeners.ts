// A set of callbacks whose failures are logged, never thrown back into the
// publisher: a broken handler must not stop delivery to the others or unwind
// the Redis client's receive loop.
import { errorFields, id, type Logger } from '../log.ts';

export class Listeners<A extends unknown[]> {
  readonly #set = new Set<(...args: A) => void>();
  readonly #log: Logger;
  readonly #event: string;

  constructor(log: Logger, event: string) {
    this.#log = log;
    this.#event = event;
  }

  add(fn: (...args: A) => void): () => void {
    this.#set.add(fn);
    return () => this.#set.delete(fn);
  }

  emit(...args: A): void {
    for (const fn of [...this.#set]) {
      try {
        fn(...args);
      } catch (err) {
        this.#log.error('fanout.handler_failed', { handler: id(this.#event), ...errorFields(err) });
      }
    }
  }

  clear(): void {
    this.#set.clear();
  }
}
