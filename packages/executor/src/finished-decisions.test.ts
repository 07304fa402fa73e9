import { describe, expect, it } from "vitest";
import { FEEDBACK_RECEIVED, FinishedDecisions } from "./finished-decisions.js";

describe("FinishedDecisions", () => {
  it("remembers whether a decision had feedback or was settled, and when", () => {
    const finished = new FinishedDecisions(10);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", { kind: "settled", settledAt: 42 });
    expect(finished.get("a")).toEqual({ kind: "feedback" });
    expect(finished.get("b")).toEqual({ kind: "settled", settledAt: 42 });
    expect(finished.get("c")).toBeUndefined();
  });

  it("forgets the oldest id once it holds more than its capacity", () => {
    const finished = new FinishedDecisions(2);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", FEEDBACK_RECEIVED);
    finished.remember("c", FEEDBACK_RECEIVED);
    expect(finished.has("a")).toBe(false);
    expect(finished.has("b")).toBe(true);
    expect(finished.has("c")).toBe(true);
    expect(finished.size).toBe(2);
  });

  it("updates an id remembered again but keeps its place in the order", () => {
    const finished = new FinishedDecisions(2);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", FEEDBACK_RECEIVED);
    finished.remember("a", { kind: "settled", settledAt: 1 });
    expect(finished.get("a")).toEqual({ kind: "settled", settledAt: 1 });
    expect(finished.size).toBe(2);
    finished.remember("c", FEEDBACK_RECEIVED);
    expect(finished.has("a")).toBe(false);
    expect(finished.has("b")).toBe(true);
  });

  it("forgets in order over many more ids than its capacity", () => {
    const finished = new FinishedDecisions(100);
    for (let i = 0; i < 5_000; i++) finished.remember(`d${i}`, FEEDBACK_RECEIVED);
    expect(finished.size).toBe(100);
    expect(finished.has("d4899")).toBe(false);
    expect(finished.has("d4900")).toBe(true);
    expect(finished.has("d4999")).toBe(true);
  });

  it("remembers nothing with capacity 0", () => {
    const finished = new FinishedDecisions(0);
    finished.remember("a", FEEDBACK_RECEIVED);
    expect(finished.size).toBe(0);
  });

  it("treats __proto__ and constructor as ordinary ids", () => {
    const finished = new FinishedDecisions(10);
    expect(finished.has("__proto__")).toBe(false);
    expect(finished.has("constructor")).toBe(false);
    finished.remember("__proto__", FEEDBACK_RECEIVED);
    expect(finished.get("__proto__")).toEqual({ kind: "feedback" });
    expect(finished.get("constructor")).toBeUndefined();
  });
});
