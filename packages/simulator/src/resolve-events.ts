import type { ScenarioEvent, ScenarioEventType, StepOrShare } from "./scenario.js";

/** A scheduled event placed on the steps of one run, for the market and for charts. */
export interface SimEvent {
  type: ScenarioEventType;
  label: string;
  /** First step at which the event is in force. */
  start: number;
  /** First step at which it no longer is; null: until the end of the run. */
  end: number | null;
  /** The providers it concerns; empty for a market-wide price spike. */
  providerIds: string[];
}

/** A share such as "40%" is ⌊0.40 · decisions⌋ steps; a number is already steps. */
export function toSteps(value: StepOrShare, decisions: number): number {
  if (typeof value === "number") return value;
  // Multiply before dividing so "29%" of 100 is 29, not 28.999…
  return Math.floor((Number.parseFloat(value) * decisions) / 100 + 1e-9);
}

/** Every event with its start and end steps, in the scenario's order (including those past the run). */
export function resolveEvents(events: readonly ScenarioEvent[], decisions: number): SimEvent[] {
  return events.map((event) => {
    const start = toSteps(event.at, decisions);
    const duration = "duration" in event && event.duration !== undefined ? Math.max(1, toSteps(event.duration, decisions)) : null;
    return {
      type: event.type,
      label: event.label ?? describe(event),
      start,
      end: duration === null ? null : start + duration,
      providerIds: "provider_id" in event ? [event.provider_id] : [...(event.provider_ids ?? [])],
    };
  });
}

function describe(event: ScenarioEvent): string {
  switch (event.type) {
    case "price_spike": {
      const who = event.provider_ids ? event.provider_ids.join(", ") : "all providers";
      const gpus = event.gpu_types ? ` (${event.gpu_types.join(", ")})` : "";
      return `price ×${event.factor}${gpus}: ${who}`;
    }
    case "outage":
      return `outage: ${event.provider_id}${event.regions ? ` in ${event.regions.join(", ")}` : ""}`;
    case "latency_spike":
      return `latency ×${event.factor}: ${event.provider_id}`;
    case "reputation_drop":
      return event.to !== undefined
        ? `reputation → ${event.to}: ${event.provider_id}`
        : `reputation −${event.by ?? 0}: ${event.provider_id}`;
    case "provider_joins":
      return `joins: ${event.provider_id}`;
    case "provider_leaves":
      return `leaves: ${event.provider_id}`;
  }
}
