/** CPU µs per call (user + system), for async operations run back to back. */
export async function cpuMicros(
  operation: () => Promise<unknown> | unknown,
  iterations: number,
): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await operation();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Interleaved rounds: every round runs each operation once for `iterations` calls, so drift (GC,
 * thermal, a noisy neighbour) hits all of them alike; the result is each one's median over rounds.
 * The order turns every round, so no operation always runs after the same other one (and pays for
 * its garbage).
 */
export async function compareCpu<K extends string>(
  operations: Record<K, () => Promise<unknown> | unknown>,
  options: { rounds: number; iterations: number; warmup: number },
): Promise<Record<K, number>> {
  return (await pairedCpu(operations, options)).us;
}

/**
 * `compareCpu` with, per operation, the median over rounds of its CPU divided by the first
 * operation's in the same round: a ratio from samples taken milliseconds apart, which a shared
 * machine's slow spells (seconds long) shift far less than the ratio of two medians.
 */
export async function pairedCpu<K extends string>(
  operations: Record<K, () => Promise<unknown> | unknown>,
  { rounds, iterations, warmup }: { rounds: number; iterations: number; warmup: number },
): Promise<{ us: Record<K, number>; ratio: Record<K, number> }> {
  const names = Object.keys(operations) as K[];
  for (const name of names) await cpuMicros(operations[name], warmup);
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as K;
      samples[name].push(await cpuMicros(operations[name], iterations));
    }
  }
  const first = samples[names[0] as K];
  const ratioOf = (name: K) => median(samples[name].map((us, round) => us / (first[round] as number)));
  return {
    us: Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<K, number>,
    ratio: Object.fromEntries(names.map((name) => [name, ratioOf(name)])) as Record<K, number>,
  };
}
