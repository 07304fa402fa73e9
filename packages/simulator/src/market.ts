import {
  type Constraints,
  type Context,
  createRng,
  MAX_COST_USD,
  MAX_LATENCY_MS,
  MAX_PRICE_USD_PER_HOUR,
  type Provider,
  type Rng,
  ValidationError,
} from "@aurora/domain";
import { deriveSeed } from "./derive-seed.js";
import { lognormal } from "./lognormal.js";
import { resolveEvents, type SimEvent } from "./resolve-events.js";
import { MAX_DECISIONS, type Scenario, type ScenarioProvider, type Tenant } from "./scenario.js";
import type { SimOutcome, SimRequest } from "./sim-router.js";

/** What an oracle knows about one provider for one job at one step. */
export interface ProviderTruth {
  /** Chance the job fails, events included. */
  failureProbability: number;
  latencyMeanMs: number;
  latencySdMs: number;
  /** Mean real cost of the whole job: advertised price × gpu_hours × cost_factor. */
  costMeanUsd: number;
  /** Coefficient of variation of the real cost. */
  costCv: number;
}

export interface MarketOptions {
  seed: number;
  /** Steps in the run; shares such as "40%" in events are taken of it. Default: the scenario's. */
  decisions?: number;
}

interface Window {
  start: number;
  end: number | null;
}

interface CompiledProvider {
  spec: ScenarioProvider;
  /** The scenario's keyed records as Maps, so a GPU type or region called `constructor` is just that. */
  prices: ReadonlyMap<string, number>;
  extraFailureByRegion: ReadonlyMap<string, number>;
  extraFailureByGpu: ReadonlyMap<string, number>;
  gpuTypes: readonly string[];
  regions: readonly string[];
  lowestPrice: number;
  joinStep: number;
  leaveStep: number;
  /** `event`: the spike's index in the scenario's events. */
  priceSpikes: (Window & { event: number; factor: number; gpuTypes: ReadonlySet<string> | null })[];
  outages: (Window & { failureRate: number; regions: ReadonlySet<string> | null })[];
  latencySpikes: (Window & { factor: number })[];
  reputationDrops: (Window & { to: number | undefined; by: number })[];
}

const REQUEST_STREAM = 1;
const OUTCOME_STREAM = 2;

const inForce = (w: Window, step: number) => w.start <= step && (w.end === null || step < w.end);

/**
 * A scenario's market over one run. Requests and outcomes are pure functions of
 * (seed, step) and (seed, step, provider): any router that picks a provider at a step
 * gets the very same outcome (common random numbers), and steps can be asked in any order.
 */
export class Market {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly decisions: number;
  /** Every provider of the scenario, in its order (including those that join later). */
  readonly providerIds: readonly string[];
  /** The scenario's events placed on this run's steps; those starting after the run are left out. */
  readonly events: readonly SimEvent[];
  #providers: CompiledProvider[];
  #indexById = new Map<string, number>();
  #tenantWeights: number[];
  #workloadWeights: number[][];

  constructor(scenario: Scenario, options: MarketOptions) {
    const { seed } = options;
    const decisions = options.decisions ?? scenario.decisions;
    if (!Number.isSafeInteger(seed)) throw ValidationError.forField("seed", `must be an integer, got ${String(seed)}`);
    if (!Number.isInteger(decisions) || decisions < 1 || decisions > MAX_DECISIONS) {
      throw ValidationError.forField("decisions", `must be an integer from 1 to ${MAX_DECISIONS}, got ${String(decisions)}`);
    }
    this.scenario = scenario;
    this.seed = seed;
    this.decisions = decisions;
    this.providerIds = Object.freeze(scenario.providers.map((p) => p.provider_id));
    scenario.providers.forEach((p, i) => {
      this.#indexById.set(p.provider_id, i);
    });

    const resolved = resolveEvents(scenario.events, decisions);
    this.events = Object.freeze(resolved.filter((e) => e.start < decisions).map((e) => Object.freeze(e)));
    this.#providers = scenario.providers.map((spec) => {
      const prices = new Map(Object.entries(spec.advertised.prices));
      return {
        spec,
        prices,
        extraFailureByRegion: new Map(Object.entries(spec.hidden.extra_failure_rate_by_region ?? {})),
        extraFailureByGpu: new Map(Object.entries(spec.hidden.extra_failure_rate_by_gpu ?? {})),
        gpuTypes: Object.freeze([...prices.keys()]),
        regions: Object.freeze([...spec.advertised.regions]),
        lowestPrice: lowest(prices.values()),
        joinStep: 0,
        leaveStep: Number.POSITIVE_INFINITY,
        priceSpikes: [],
        outages: [],
        latencySpikes: [],
        reputationDrops: [],
      };
    });
    const joinEvent = new Map<string, number>();
    const leaveEvent = new Map<string, number>();
    const at = (id: string) => this.#providers[this.#indexById.get(id) as number] as CompiledProvider;
    scenario.events.forEach((event, e) => {
      const { start, end } = resolved[e] as SimEvent;
      const window = { start, end };
      switch (event.type) {
        case "price_spike": {
          const spike = {
            ...window,
            event: e,
            factor: event.factor,
            gpuTypes: event.gpu_types ? new Set(event.gpu_types) : null,
          };
          const targets = event.provider_ids ? event.provider_ids.map(at) : this.#providers;
          for (const p of targets) p.priceSpikes.push(spike);
          break;
        }
        case "outage":
          at(event.provider_id).outages.push({
            ...window,
            failureRate: event.failure_rate,
            regions: event.regions ? new Set(event.regions) : null,
          });
          break;
        case "latency_spike":
          at(event.provider_id).latencySpikes.push({ ...window, factor: event.factor });
          break;
        case "reputation_drop":
          at(event.provider_id).reputationDrops.push({ ...window, to: event.to, by: event.by ?? 0 });
          break;
        case "provider_joins":
          at(event.provider_id).joinStep = start;
          joinEvent.set(event.provider_id, e);
          break;
        case "provider_leaves":
          at(event.provider_id).leaveStep = start;
          leaveEvent.set(event.provider_id, e);
          break;
      }
    });
    // Overlapping drops apply in time order, whatever their order in the file (a stable sort keeps it on a tie).
    for (const p of this.#providers) p.reputationDrops.sort((a, b) => a.start - b.start);
    // Present from its join to its leave: a leave at or before the join would leave it never present.
    for (const [providerId, leave] of leaveEvent) {
      const join = joinEvent.get(providerId);
      const p = at(providerId);
      if (join !== undefined && p.leaveStep <= p.joinStep) {
        throw ValidationError.forField(
          `events[${leave}].at`,
          `provider "${providerId}" would leave at step ${p.leaveStep}, not after it joins at step ${p.joinStep} ` +
            `(events[${join}]), so it would never be present: a provider joins once, then may leave`,
        );
      }
    }
    this.#checkOverlappingPriceSpikes();
    this.#tenantWeights = cumulative(scenario.tenants.map((t) => t.weight));
    this.#workloadWeights = scenario.tenants.map((t) => cumulative(t.workloads.map((w) => w.weight)));
  }

  /** The request of this step: the same for every router, whatever happened before. */
  request(step: number): SimRequest {
    this.#checkStep(step);
    const rng = createRng(deriveSeed(this.seed, REQUEST_STREAM, step));
    const t = pickWeighted(this.#tenantWeights, rng);
    const tenant = this.scenario.tenants[t] as Tenant;
    const workload = tenant.workloads[pickWeighted(this.#workloadWeights[t] as number[], rng)] as Tenant["workloads"][number];
    const gpuType = pickUniform(workload.gpu_types, rng);
    const region = pickUniform(tenant.regions, rng);
    const [min, max] = workload.gpu_hours;
    const gpuHours = Math.min(max, Math.max(min, Math.round((min + (max - min) * rng()) * 100) / 100));

    const context: Context = { workload_type: workload.workload_type, gpu_type: gpuType, region, gpu_hours: gpuHours };
    const constraints: Constraints = { region, gpu_type: gpuType, gpu_hours: gpuHours };
    for (const [key, value] of Object.entries(tenant.constraints)) {
      if (value !== undefined) (constraints as Record<string, unknown>)[key] = value;
    }
    const providers: Provider[] = [];
    for (const p of this.#providers) {
      if (step < p.joinStep || step >= p.leaveStep) continue;
      const record: Provider = {
        provider_id: p.spec.provider_id,
        price_usd_per_hour: this.#price(p, gpuType, step),
        latency_ms: p.spec.advertised.latency_ms,
        reputation: this.#reputation(p, step),
        gpu_types: p.gpuTypes as string[],
        regions: p.regions as string[],
      };
      if (p.spec.advertised.capacity_available !== null) record.capacity_available = p.spec.advertised.capacity_available;
      providers.push(Object.freeze(record));
    }
    return Object.freeze({
      context: Object.freeze(context),
      providers: Object.freeze(providers) as Provider[],
      constraints: Object.freeze(constraints),
    });
  }

  /** The hidden truth about `providerId` for this job at this step: what an oracle knows. */
  truth(step: number, context: Context, providerId: string): ProviderTruth {
    this.#checkStep(step);
    const p = this.#provider(providerId);
    const { hidden } = p.spec;
    let success =
      (1 - hidden.failure_rate) *
      (1 - (p.extraFailureByRegion.get(context.region) ?? 0)) *
      (1 - (p.extraFailureByGpu.get(context.gpu_type) ?? 0));
    for (const outage of p.outages) {
      if (inForce(outage, step) && (outage.regions === null || outage.regions.has(context.region))) {
        success *= 1 - outage.failureRate;
      }
    }
    let latencyFactor = 1;
    for (const spike of p.latencySpikes) if (inForce(spike, step)) latencyFactor *= spike.factor;
    // Capped at what an outcome may carry, as the outcomes are: latency spikes and cost factors can go beyond.
    return {
      failureProbability: 1 - success,
      latencyMeanMs: scaled(hidden.latency_mean_ms, latencyFactor, MAX_LATENCY_MS),
      latencySdMs: scaled(hidden.latency_sd_ms, latencyFactor, MAX_LATENCY_MS),
      costMeanUsd: scaled(this.#price(p, context.gpu_type, step) * context.gpu_hours, hidden.cost_factor, MAX_COST_USD),
      costCv: hidden.cost_cv,
    };
  }

  /**
   * What happens when `providerId` runs this job at this step. Drawn from a stream of its own
   * per (seed, step, provider), so the outcome does not depend on who asked or in which order.
   * A failed job costs nothing and says only `error_reason: "job_failed"`. Latency and cost are capped
   * at the domain's `MAX_LATENCY_MS` and `MAX_COST_USD`, so the outcome is always valid feedback.
   */
  outcome(step: number, context: Context, providerId: string, decisionId: string): SimOutcome {
    const truth = this.truth(step, context, providerId);
    const rng = createRng(deriveSeed(this.seed, OUTCOME_STREAM, step, this.#indexById.get(providerId) as number));
    const failed = rng() < truth.failureProbability;
    const latency = Math.min(MAX_LATENCY_MS, lognormal(rng, truth.latencyMeanMs, truth.latencySdMs));
    const cost = Math.min(MAX_COST_USD, truth.costMeanUsd * lognormal(rng, 1, truth.costCv));
    if (failed) {
      return {
        decision_id: decisionId,
        success: false,
        actual_cost_usd: 0,
        actual_latency_ms: latency,
        error_reason: "job_failed",
        provider_id: providerId,
      };
    }
    return { decision_id: decisionId, success: true, actual_cost_usd: cost, actual_latency_ms: latency, provider_id: providerId };
  }

  #price(p: CompiledProvider, gpuType: string, step: number): number {
    // A provider without this GPU type shows its lowest price ("from $x/h"); its gpu_types tell the rest.
    let price = p.prices.get(gpuType) ?? p.lowestPrice;
    for (const spike of p.priceSpikes) {
      if (inForce(spike, step) && (spike.gpuTypes === null || spike.gpuTypes.has(gpuType))) price *= spike.factor;
    }
    return Math.round(price * 10_000) / 10_000;
  }

  /**
   * Each spike's factor was checked against the prices it multiplies when the scenario was parsed;
   * spikes in force together multiply each other, and only here do shares such as "40%" become
   * steps. Refuses a run in which they would advertise a price beyond what a request may carry.
   */
  #checkOverlappingPriceSpikes(): void {
    const requested = new Set(this.scenario.tenants.flatMap((t) => t.workloads.flatMap((w) => w.gpu_types)));
    for (const p of this.#providers) {
      const spikes = p.priceSpikes.filter((s) => s.start < this.decisions);
      if (spikes.length < 2) continue;
      for (const gpu of requested) {
        const applying = spikes.filter((s) => s.gpuTypes === null || s.gpuTypes.has(gpu));
        if (applying.length < 2) continue;
        // The product changes only where a spike starts or ends: its highest is at one of those
        // steps (where one starts, or, for a factor below 1, where one ends).
        for (const spike of applying) {
          const step = [spike.start, spike.end].find(
            (at): at is number => at !== null && at < this.decisions && this.#price(p, gpu, at) > MAX_PRICE_USD_PER_HOUR,
          );
          if (step === undefined) continue;
          const price = this.#price(p, gpu, step);
          const inForceThen = applying.filter((s) => inForce(s, step));
          // Named: the one that began last of those in force then (the later one).
          const later = inForceThen.reduce((a, b) => (b.start >= a.start ? b : a));
          const together = inForceThen.map((s) => `events[${s.event}]`);
          throw ValidationError.forField(
            `events[${later.event}].factor`,
            `price spikes in force together at step ${step} (${together.join(", ")}) would raise provider ` +
              `"${p.spec.provider_id}"'s ${gpu} price to ${price}, above ${MAX_PRICE_USD_PER_HOUR.toLocaleString("en-US")}, ` +
              "the most a request may carry: lower a factor or move the spikes apart",
          );
        }
      }
    }
  }

  /** The drops in force apply in the order they began (the scenario's order on a tie), each to the reputation the earlier left. */
  #reputation(p: CompiledProvider, step: number): number {
    let reputation = p.spec.advertised.reputation;
    for (const drop of p.reputationDrops) {
      if (inForce(drop, step)) reputation = drop.to ?? Math.max(0, reputation - drop.by);
    }
    return reputation;
  }

  #provider(providerId: string): CompiledProvider {
    const index = this.#indexById.get(providerId);
    if (index === undefined) {
      throw ValidationError.forField("providerId", `unknown provider "${providerId}": it is not one of the scenario's providers`);
    }
    return this.#providers[index] as CompiledProvider;
  }

  #checkStep(step: number): void {
    if (!Number.isInteger(step) || step < 0 || step >= this.decisions) {
      throw ValidationError.forField("step", `must be an integer from 0 to ${this.decisions - 1}, got ${String(step)}`);
    }
  }
}

/** value × factor, at most `max`; 0 stays 0 even when compounded factors overflowed to Infinity. */
function scaled(value: number, factor: number, max: number): number {
  return value === 0 ? 0 : Math.min(max, value * factor);
}

/** The smallest of many values (`Math.min(...values)` overflows the call stack past ~10⁵ arguments). */
function lowest(values: Iterable<number>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const value of values) if (value < min) min = value;
  return min;
}

/** Running sums of the weights; scaled by the largest where their sum would overflow or be too small to draw from. */
function cumulative(weights: number[]): number[] {
  let total = 0;
  const sums = weights.map((w) => (total += w));
  if (Number.isFinite(total) && total >= 1e-300) return sums;
  const largest = weights.reduce((a, b) => Math.max(a, b), 0);
  total = 0;
  return weights.map((w) => (total += w / largest));
}

function pickWeighted(cumulativeWeights: number[], rng: Rng): number {
  const target = rng() * (cumulativeWeights[cumulativeWeights.length - 1] as number);
  const index = cumulativeWeights.findIndex((c) => target < c);
  return index === -1 ? cumulativeWeights.length - 1 : index;
}

function pickUniform<T>(items: readonly T[], rng: Rng): T {
  return items[Math.floor(rng() * items.length)] as T;
}
