// Percentiles and small summaries for the bench JSON.

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of samples (ms unless said otherwise), rounded to 0.01. */
export function summarize(samples: ArrayLike<number>): Summary {
  const a = Float64Array.from(samples).sort();
  const n = a.length;
  const at = (p: number) => (n === 0 ? NaN : a[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  let sum = 0;
  for (const v of a) sum += v;
  return { n, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(n ? a[n - 1] : NaN), mean: round(n ? sum / n : NaN) };
}

export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** ours / reference, rounded; null when either side is missing or zero. */
export function ratio(ours: number | null | undefined, ref: number | null | undefined): number | null {
  if (ours == null || ref == null || !Number.isFinite(ours) || !Number.isFinite(ref) || ref === 0) return null;
  return round(ours / ref, 3);
}

export const MB = 1024 * 1024;
export const mb = (bytes: number) => round(bytes / MB, 1);
