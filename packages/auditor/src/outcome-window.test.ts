import { describe, expect, it } from "vitest";
import { OutcomeWindow } from "./outcome-window.js";

describe("OutcomeWindow", () => {
  it("reports a success rate of 0 when empty", () => {
    expect(new OutcomeWindow(3).successRate).toBe(0);
  });

  it("keeps only the last `size` outcomes", () => {
    const window = new OutcomeWindow(3);
    for (const success of [true, true, true, false, false]) window.push(success);
    expect(window.count).toBe(3);
    expect(window.successes).toBe(1);
    expect(window.successRate).toBeCloseTo(1 / 3, 12);
    window.push(false);
    expect(window.successes).toBe(0);
  });

  it("slides over many times its size", () => {
    const window = new OutcomeWindow(4);
    for (let i = 0; i < 401; i++) window.push(i % 4 === 0);
    expect(window.count).toBe(4);
    expect(window.successes).toBe(1);
  });
});
