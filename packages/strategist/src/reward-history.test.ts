import { describe, expect, it } from "vitest";
import { RewardHistory } from "./reward-history.js";

describe("RewardHistory", () => {
  it("averages the last rewards, or all of them when fewer were learned", () => {
    const history = new RewardHistory(10);
    expect(history.meanOfLast(3)).toBe(0);
    for (const r of [1, 2, 3, 4]) history.push(r);
    expect(history.meanOfLast(3)).toBe(3);
    expect(history.meanOfLast(100)).toBe(2.5);
  });

  it("keeps only the most recent rewards but counts every one", () => {
    const history = new RewardHistory(3);
    for (let r = 1; r <= 7; r++) history.push(r);
    expect(history.toArray()).toEqual([5, 6, 7]);
    expect(history.total).toBe(7);
    expect(history.meanOfLast(2)).toBe(6.5);
  });

  it("starts from saved rewards, keeping the newest, with the saved total", () => {
    const history = new RewardHistory(2, [1, 2, 3], 50);
    expect(history.toArray()).toEqual([2, 3]);
    expect(history.total).toBe(50);
    history.push(4);
    expect(history.toArray()).toEqual([3, 4]);
    expect(history.total).toBe(51);
  });

  it("counts at least the rewards it was given", () => {
    expect(new RewardHistory(5, [1, 2, 3]).total).toBe(3);
  });
});
