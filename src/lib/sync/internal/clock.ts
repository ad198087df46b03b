// The time seams of the sync managers: tests drive a fake clock instead of waiting.
export interface Clock {
  now(): Date;
  every(run: () => void, ms: number): unknown;
  after(run: () => void, ms: number): unknown;
  cancel(timer: unknown): void;
}

export const realClock: Clock = {
  now: () => new Date(),
  every: (run, ms) => setInterval(run, ms),
  after: (run, ms) => setTimeout(run, ms),
  cancel: (timer) => {
    clearInterval(timer as ReturnType<typeof setInterval>);
    clearTimeout(timer as ReturnType<typeof setTimeout>);
  }
};
