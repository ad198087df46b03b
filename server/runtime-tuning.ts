// How the server's Node process is started, for its memory (DESIGN §9: peak
// RSS under the standard relay load ≤ 1.5 × the reference server's). Both must
// be in place before the process starts, so they live in package.json's
// `start` and `serve` scripts (a deployment sets them in the service's
// environment: docs/deploy.md); the benchmark starts our server with the same
// (bench/lib/proc.ts), and a unit test keeps the scripts in step with this file.
//
// - V8's young generation: Node 24 lets each semi-space grow to 16 MiB (×3
//   committed) and keeps it. 8 MiB semi-spaces hold the relay's short-lived
//   garbage between scavenges: under the standard relay load ≈ 20 % less CPU
//   per update than 1 MiB (seven interleaved pairs; 4 MiB was no better than
//   1), for ≈ 17 MB more at the peak, still within the bar
//   (docs/performance.md, "The young generation again").
// - glibc's mmap threshold: each login's scrypt allocates 16 MiB; glibc's
//   dynamic threshold then rises to 16 MiB and later blocks of that size come
//   from, and stay in, an arena. A fixed 1 MiB threshold maps every large
//   block on its own and returns it when freed.

export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=20'];
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '1048576' };

/** What is missing from this process' tuning (for a warning at start; empty when started as the scripts do). */
export function missingTuning(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return [
    ...SERVER_NODE_FLAGS.filter((f) => !given.includes(f)),
    ...Object.entries(SERVER_ENV)
      .filter(([k, v]) => env[k] !== v)
      .map(([k, v]) => `${k}=${v}`)
  ];
}
