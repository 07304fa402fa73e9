/**
 * Two workloads measured in alternating rounds, so that a shared machine's noise falls on both
 * alike: round r runs A then B when r is even, B then A when odd, each doing `perRound`
 * operations. Returns the CPU µs (process user + system) per operation of each, round by round,
 * and the median of B's over A's.
 */
export async function alternatingRounds(
  sides: readonly [(count: number) => Promise<void>, (count: number) => Promise<void>],
  rounds: number,
  perRound: number,
): Promise<{ cpu: [number[], number[]]; ratios: number[]; ratio: number }> {
  const cpu: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      const start = process.cpuUsage();
      await sides[side](perRound);
      const used = process.cpuUsage(start);
      cpu[side].push((used.user + used.system) / perRound);
    }
  }
  const ratios = cpu[1].map((b, round) => b / (cpu[0][round] as number));
  return { cpu, ratios, ratio: median(ratios) };
}

/** The middle value (the upper one of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return [...values].sort((a, b) => a - b)[values.length >> 1] as number;
}
