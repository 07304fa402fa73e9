import { describe, expect, it } from "vitest";
import { resolveEvents, toSteps } from "./resolve-events.js";
import { parseScenario } from "./scenario.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

describe("toSteps", () => {
  it("keeps a step count as it is", () => {
    expect(toSteps(250, 1000)).toBe(250);
  });

  it("takes the floor of a share of the run", () => {
    expect(toSteps("40%", 1000)).toBe(400);
    expect(toSteps("12.5%", 1000)).toBe(125);
    expect(toSteps("33%", 10)).toBe(3);
  });

  it("does not lose a step to floating point (29% of 100 is 29)", () => {
    expect(toSteps("29%", 100)).toBe(29);
    expect(toSteps("57%", 100)).toBe(57);
  });
});

describe("resolveEvents", () => {
  const events = parseScenario(
    tinyScenario({
      events: [
        { type: "outage", at: "30%", duration: "20%", provider_id: "cheap" },
        { type: "price_spike", at: 10, factor: 2.5, gpu_types: ["a100"] },
        { type: "reputation_drop", at: 5, provider_id: "steady", by: 20, label: "scandal" },
        { type: "provider_leaves", at: "90%", provider_id: "cheap" },
      ],
    }),
  ).events;

  it("places windows on steps, end exclusive; no duration lasts to the end", () => {
    expect(resolveEvents(events, 200).map(({ start, end }) => [start, end])).toEqual([
      [60, 100],
      [10, null],
      [5, null],
      [180, null],
    ]);
  });

  it("labels events that have no label of their own", () => {
    expect(resolveEvents(events, 200).map((e) => e.label)).toEqual([
      "outage: cheap",
      "price ×2.5 (a100): all providers",
      "scandal",
      "leaves: cheap",
    ]);
  });

  it("lists the providers concerned, none for a market-wide spike", () => {
    expect(resolveEvents(events, 200).map((e) => e.providerIds)).toEqual([["cheap"], [], ["steady"], ["cheap"]]);
  });
});
