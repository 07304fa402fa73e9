import type { Clock } from "@aurora/domain";
import { systemClock, ValidationError } from "@aurora/domain";
import type { Anomaly } from "./anomaly.js";
import type { AuditEntry } from "./audit-entry.js";
import type { QSpikeOptions } from "./q-spike-detector.js";
import type { UnderperformanceOptions } from "./underperformance-detector.js";

export interface AuditorOptions {
  /** Reject (rather than flag) decisions with violations. Default false. */
  strictMode?: boolean;
  /** Audit entries kept in memory, newest first; the whole trail goes to `onEntry`. Default 10,000. */
  maxEntries?: number;
  /** Anomalies kept in memory. Default 1,000. */
  maxAnomalies?: number;
  /** Source of entry and anomaly timestamps. Default: the system clock. */
  clock?: Clock;
  /** Called with every entry once it is recorded, for a store or journal. */
  onEntry?: (entry: AuditEntry) => void;
  /** Called with every anomaly once it is recorded. */
  onAnomaly?: (anomaly: Anomaly) => void;
  /** Q-value spike detection; see `QSpikeDetector`. Defaults: factor 5, minSamples 30, halfLife 350. */
  qSpike?: { factor?: number; minSamples?: number; halfLife?: number };
  /** Underperforming-provider detection. Defaults: window 50, minSuccessRate 0.5, minOutcomes 20, maxProviders 10,000. */
  underperforming?: { window?: number; minSuccessRate?: number; minOutcomes?: number; maxProviders?: number };
}

export interface ResolvedAuditorOptions {
  strictMode: boolean;
  maxEntries: number;
  maxAnomalies: number;
  clock: Clock;
  onEntry: ((entry: AuditEntry) => void) | undefined;
  onAnomaly: ((anomaly: Anomaly) => void) | undefined;
  qSpike: QSpikeOptions;
  underperforming: UnderperformanceOptions;
}

function wholeNumber(field: string, value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw ValidationError.forField(`options.${field}`, `must be a whole number ≥ ${min} (${what}), got ${String(value)}`);
  }
  return value;
}

function finiteNumber(field: string, value: unknown, fallback: number, check: (n: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || !check(value)) {
    throw ValidationError.forField(`options.${field}`, `${rule}, got ${String(value)}`);
  }
  return value;
}

function positiveOrInfinity(field: string, value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0)) {
    throw ValidationError.forField(`options.${field}`, `must be a number > 0 (${what}), got ${String(value)}`);
  }
  return value;
}

function callback<F>(field: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw ValidationError.forField(`options.${field}`, "must be a function when given");
  return value as F;
}

function group(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null) {
    throw ValidationError.forField(`options.${field}`, "must be an object when given");
  }
  return value as Record<string, unknown>;
}

/** Applies defaults and checks every option, throwing a `ValidationError` that names the option. */
export function resolveAuditorOptions(options: AuditorOptions = {}): ResolvedAuditorOptions {
  if (typeof options !== "object" || options === null) {
    throw ValidationError.forField("options", "must be an object when given");
  }
  if (options.strictMode !== undefined && typeof options.strictMode !== "boolean") {
    throw ValidationError.forField("options.strictMode", "must be true or false");
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock !== "object" || clock === null || typeof clock.now !== "function") {
    throw ValidationError.forField("options.clock", "must be an object with a now() method returning epoch milliseconds");
  }
  const q = group("qSpike", options.qSpike);
  const u = group("underperforming", options.underperforming);
  const window = wholeNumber("underperforming.window", u.window, 50, 1, "outcomes per provider");
  const minOutcomes = wholeNumber(
    "underperforming.minOutcomes",
    u.minOutcomes,
    Math.min(20, window),
    1,
    "outcomes before judging",
  );
  if (minOutcomes > window) {
    throw ValidationError.forField(
      "options.underperforming.minOutcomes",
      `must be at most underperforming.window (${window}), or no provider could ever be judged; got ${minOutcomes}`,
    );
  }
  return {
    strictMode: options.strictMode ?? false,
    maxEntries: wholeNumber("maxEntries", options.maxEntries, 10_000, 1, "audit entries kept in memory"),
    maxAnomalies: wholeNumber("maxAnomalies", options.maxAnomalies, 1_000, 1, "anomalies kept in memory"),
    clock,
    onEntry: callback("onEntry", options.onEntry),
    onAnomaly: callback("onAnomaly", options.onAnomaly),
    qSpike: {
      factor: finiteNumber(
        "qSpike.factor",
        q.factor,
        5,
        (n) => n > 0,
        "must be a finite number > 0 (multiple of the recent peak change)",
      ),
      minSamples: wholeNumber("qSpike.minSamples", q.minSamples, 30, 1, "updates before spikes are judged"),
      halfLife: positiveOrInfinity(
        "qSpike.halfLife",
        q.halfLife,
        350,
        "updates for the recent peak to halve; Infinity: it never fades",
      ),
    },
    underperforming: {
      window,
      minSuccessRate: finiteNumber(
        "underperforming.minSuccessRate",
        u.minSuccessRate,
        0.5,
        (n) => n >= 0 && n <= 1,
        "must be a number from 0 to 1 (success rate)",
      ),
      minOutcomes,
      maxProviders: wholeNumber("underperforming.maxProviders", u.maxProviders, 10_000, 1, "providers tracked at once"),
    },
  };
}
