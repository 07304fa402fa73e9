import { describe, expect, it } from "vitest";
import { alternatingRounds, median } from "./alternating-rounds.js";

describe("median", () => {
  it("takes the middle value, the upper one of two, without reordering its input", () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([])).toBeNaN();
  });
});

describe("alternatingRounds", () => {
  it("runs A then B, then B then A, each round's count, and gives a ratio per round", async () => {
    const calls: string[] = [];
    const side = (name: string) => async (count: number) => {
      calls.push(`${name}${count}`);
    };
    const { cpu, ratios, ratio } = await alternatingRounds([side("A"), side("B")], 3, 7);
    expect(calls).toEqual(["A7", "B7", "B7", "A7", "A7", "B7"]);
    expect(cpu[0]).toHaveLength(3);
    expect(cpu[1]).toHaveLength(3);
    expect(ratios).toHaveLength(3);
    expect(ratio).toBe(median(ratios));
  });
});
