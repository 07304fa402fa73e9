import type { SimOutcome } from "./sim-router.js";

/** One router's results over a run. Per-window series are aligned with `SimulationResult.sampleSteps`. */
export interface RouterResult {
  name: string;
  /** Mean realised reward per step; a step with no decision or a refused pick counts the failure reward. */
  meanReward: number;
  /** Mean expected reward of the picks (the value regret is measured with). */
  meanExpectedReward: number;
  /** Σ over steps of (oracle's expected reward − this router's pick's expected reward). */
  cumulativeRegret: number;
  /** Cumulative regret at each sample step. */
  regretSeries: number[];
  /** Mean realised reward within each window. */
  rewardSeries: number[];
  /** Share of steps whose job did not succeed: failed, refused for a violation, or not placed. */
  failureRate: number;
  /** Share of steps with no decision (provider_id null). */
  noDecisionRate: number;
  /** Share of steps whose pick broke the request's constraints or was not in the request. */
  violationRate: number;
  /** Mean actual_cost_usd of the jobs that succeeded; null when none did. */
  meanCostUsd: number | null;
  /** Mean actual_latency_ms of the jobs that succeeded; null when none did. */
  meanLatencyMs: number | null;
  /** provider_id → share of all steps routed to it (null prototype; shares sum to ≤ 1). */
  share: Record<string, number>;
  /** provider_id → share of each window's steps routed to it (null prototype). */
  shareSeries: Record<string, number[]>;
  /** Each `extra` key a router reported → its mean within each window, null where it reported none (null prototype). */
  extraSeries: Record<string, (number | null)[]>;
}

export interface StepRecord {
  /** Index of the chosen provider in the scenario's provider list; -1 for none or an unknown id. */
  providerIndex: number;
  /** Expected reward of the pick (the failure reward for no decision or a refused pick). */
  value: number;
  realised: number;
  regret: number;
  outcome: SimOutcome | null;
  violation: boolean;
  extra: Record<string, number> | undefined;
}

interface ExtraTrack {
  sum: number;
  count: number;
  series: (number | null)[];
}

/** Accumulates one router's steps into a `RouterResult`, closing a window every `sampleEvery` steps. */
export class RouterTally {
  readonly name: string;
  #providerIds: readonly string[];
  #sampleEvery: number;
  #decisions: number;
  #steps = 0;
  #rewardSum = 0;
  #valueSum = 0;
  #regret = 0;
  #notSucceeded = 0;
  #noDecision = 0;
  #violations = 0;
  #succeeded = 0;
  #costSum = 0;
  #latencySum = 0;
  #picks: number[];
  #windowSteps = 0;
  #windowReward = 0;
  #windowPicks: number[];
  #regretSeries: number[] = [];
  #rewardSeries: number[] = [];
  #shareSeries: number[][];
  #extras = new Map<string, ExtraTrack>();

  constructor(name: string, providerIds: readonly string[], sampleEvery: number, decisions: number) {
    this.name = name;
    this.#providerIds = providerIds;
    this.#sampleEvery = sampleEvery;
    this.#decisions = decisions;
    this.#picks = providerIds.map(() => 0);
    this.#windowPicks = providerIds.map(() => 0);
    this.#shareSeries = providerIds.map(() => []);
  }

  record(step: StepRecord): void {
    this.#steps++;
    this.#rewardSum += step.realised;
    this.#valueSum += step.value;
    this.#regret += step.regret;
    if (step.outcome === null) this.#noDecision++;
    if (step.violation) this.#violations++;
    if (step.outcome?.success === true) {
      this.#succeeded++;
      this.#costSum += step.outcome.actual_cost_usd;
      this.#latencySum += step.outcome.actual_latency_ms;
    } else {
      this.#notSucceeded++;
    }
    if (step.providerIndex >= 0) {
      this.#picks[step.providerIndex]! += 1;
      this.#windowPicks[step.providerIndex]! += 1;
    }
    this.#windowSteps++;
    this.#windowReward += step.realised;
    if (step.extra) {
      for (const [key, value] of Object.entries(step.extra)) {
        if (typeof value !== "number" || !Number.isFinite(value)) continue;
        let track = this.#extras.get(key);
        if (!track) {
          track = { sum: 0, count: 0, series: this.#regretSeries.map(() => null) };
          this.#extras.set(key, track);
        }
        track.sum += value;
        track.count++;
      }
    }
    if (this.#windowSteps === this.#sampleEvery || this.#steps === this.#decisions) this.#closeWindow();
  }

  result(): RouterResult {
    const steps = this.#steps;
    const share: Record<string, number> = Object.create(null);
    const shareSeries: Record<string, number[]> = Object.create(null);
    this.#providerIds.forEach((id, i) => {
      share[id] = steps === 0 ? 0 : (this.#picks[i] as number) / steps;
      shareSeries[id] = [...(this.#shareSeries[i] as number[])];
    });
    const extraSeries: Record<string, (number | null)[]> = Object.create(null);
    for (const [key, track] of this.#extras) extraSeries[key] = [...track.series];
    return {
      name: this.name,
      meanReward: steps === 0 ? 0 : this.#rewardSum / steps,
      meanExpectedReward: steps === 0 ? 0 : this.#valueSum / steps,
      cumulativeRegret: this.#regret,
      regretSeries: [...this.#regretSeries],
      rewardSeries: [...this.#rewardSeries],
      failureRate: steps === 0 ? 0 : this.#notSucceeded / steps,
      noDecisionRate: steps === 0 ? 0 : this.#noDecision / steps,
      violationRate: steps === 0 ? 0 : this.#violations / steps,
      meanCostUsd: this.#succeeded === 0 ? null : this.#costSum / this.#succeeded,
      meanLatencyMs: this.#succeeded === 0 ? null : this.#latencySum / this.#succeeded,
      share,
      shareSeries,
      extraSeries,
    };
  }

  #closeWindow(): void {
    const n = this.#windowSteps;
    this.#regretSeries.push(this.#regret);
    this.#rewardSeries.push(this.#windowReward / n);
    this.#windowPicks.forEach((count, i) => {
      this.#shareSeries[i]!.push(count / n);
      this.#windowPicks[i] = 0;
    });
    for (const track of this.#extras.values()) {
      track.series.push(track.count === 0 ? null : track.sum / track.count);
      track.sum = 0;
      track.count = 0;
    }
    this.#windowSteps = 0;
    this.#windowReward = 0;
  }
}
