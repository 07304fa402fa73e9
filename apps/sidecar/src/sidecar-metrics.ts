import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { DECISION_MODES } from "./response-schemas.js";

/** Why a feedback did not teach the model; `success`/`failure` are accepted outcomes. */
const FEEDBACK_OUTCOMES = ["success", "failure", "unknown_decision", "duplicate", "late", "invalid"] as const;
export type FeedbackOutcome = (typeof FEEDBACK_OUTCOMES)[number];

/** The engine's gauges, read from its status at each scrape. */
export interface EngineGauges {
  epsilon: number;
  qStates: number;
  pendingFeedback: number;
  psiFieldUp: boolean;
  saveFailed: boolean;
}

/** The decision log's totals since start (its writer's `stats()`), read at each scrape. */
export interface DecisionLogTotals {
  written: number;
  dropped: number;
  forgotten: number;
  unconfirmed: number;
  elsewhere: number;
  unclaimed: number;
  /** A write has failed since start. */
  failed: boolean;
}

/** Every value of aurora_decision_log_lines_total's `result` label. */
const LOG_RESULTS = ["written", "dropped", "forgotten", "unconfirmed", "elsewhere", "unclaimed"] as const;

export interface SidecarMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Distinct provider ids kept as label values; later ones are counted as "(other)". Default 500. */
  maxProviderLabels?: number;
}

/** Label value for providers past the cardinality cap, and for "no decision". */
export const OTHER_PROVIDER = "(other)";
export const NO_PROVIDER = "(none)";

/** Every value of aurora_decisions_total's `mode` label (the engine's modes) and its meaning, for the HELP text. */
const MODES_HELP = Object.entries(DECISION_MODES)
  .map(([mode, meaning]) => `${mode}: ${meaning}`)
  .join("; ");

/**
 * The sidecar's Prometheus metrics, in a registry of its own (two apps in one process never
 * collide). Counters are bumped on the request path through cached label children, so a
 * decision costs a map lookup and an increment; gauges are read from the engine at scrape time.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly #maxProviderLabels: number;
  /** Provider ids with a label of their own, capped so that random ids cannot grow memory without bound. */
  readonly #seenProviders = new Set<string>();
  readonly #decisions: Counter<"provider" | "mode">;
  readonly #decisionChildren = new Map<string, Counter.Internal>();
  readonly #decisionSeconds: Histogram;
  readonly #feedback: Counter<"outcome">;
  readonly #reward: Histogram;
  readonly #httpErrors: Counter<"route" | "status">;
  readonly #settled: Counter<"outcome">;
  /** The engine's settlement totals already counted, so each scrape adds only what is new. */
  readonly #settledCounted = { default: 0, dropped: 0 };
  readonly #fallbacks: Counter;
  readonly #failedAttempts: Counter;
  readonly #epsilon: Gauge;
  readonly #qStates: Gauge;
  readonly #pending: Gauge;
  readonly #psiUp: Gauge;
  readonly #saveFailed: Gauge;
  readonly #logLines: Counter<"result">;
  readonly #logCounted: Record<(typeof LOG_RESULTS)[number], number> = {
    written: 0,
    dropped: 0,
    forgotten: 0,
    unconfirmed: 0,
    elsewhere: 0,
    unclaimed: 0,
  };
  readonly #logFailed: Gauge;

  constructor(options: SidecarMetricsOptions = {}) {
    const max = options.maxProviderLabels ?? 500;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`maxProviderLabels must be a whole number ≥ 0, got ${String(max)}`);
    }
    this.#maxProviderLabels = max;
    const registers = [this.registry];
    this.#decisions = new Counter({
      name: "aurora_decisions_total",
      help: `Decisions made, by chosen provider and mode (${MODES_HELP}). Provider "${NO_PROVIDER}" means nothing was viable; "${OTHER_PROVIDER}" collects ids past the label cap.`,
      labelNames: ["provider", "mode"],
      registers,
    });
    this.#decisionSeconds = new Histogram({
      name: "aurora_decision_duration_seconds",
      help: "Time the engine took to decide, in seconds (validation and choice; excludes HTTP and JSON).",
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    });
    this.#feedback = new Counter({
      name: "aurora_feedback_total",
      help: "Feedback received, by outcome: success and failure were learned; unknown_decision, duplicate, late and invalid were refused.",
      labelNames: ["outcome"],
      registers,
    });
    // Every series from the start, at 0: a rate() or an alert on one that has not happened yet has data.
    for (const outcome of FEEDBACK_OUTCOMES) this.#feedback.inc({ outcome }, 0);
    this.#reward = new Histogram({
      name: "aurora_reward",
      help: "Rewards computed from accepted feedback (the seed's formula: failure −20, success ≈ 10 − cost − latency/500 + reputation/100).",
      buckets: [-20, -15, -10, -5, 0, 2, 4, 6, 8, 9, 10, 11],
      registers,
    });
    this.#httpErrors = new Counter({
      name: "aurora_http_errors_total",
      help: "Requests answered with an error status, by route and status code.",
      labelNames: ["route", "status"],
      registers,
    });
    this.#settled = new Counter({
      name: "aurora_settled_decisions_total",
      help: "Decisions settled without feedback (reward wait passed, or the pending log was full), by outcome: default learned AURORA_DEFAULT_REWARD, dropped was not learned.",
      labelNames: ["outcome"],
      registers,
    });
    this.#settled.inc({ outcome: "default" }, 0);
    this.#settled.inc({ outcome: "dropped" }, 0);
    this.#fallbacks = new Counter({
      name: "aurora_fallbacks_total",
      help: "Accepted feedback whose provider_id was one of the decision's alternatives, not the chosen provider: the router failed over.",
      registers,
    });
    this.#failedAttempts = new Counter({
      name: "aurora_failed_attempts_total",
      help: `Providers accepted feedback named in failed_before (tried first, failed, learned as failed jobs), by provider; "${OTHER_PROVIDER}" collects ids past the label cap.`,
      labelNames: ["provider"],
      registers,
    });
    this.#epsilon = new Gauge({ name: "aurora_epsilon", help: "The policy's current base exploration rate ε.", registers });
    this.#qStates = new Gauge({
      name: "aurora_q_states",
      help: "States (workload_type:gpu_type:region) the policy has learned about.",
      registers,
    });
    this.#pending = new Gauge({ name: "aurora_pending_feedback", help: "Decisions waiting for their feedback.", registers });
    this.#psiUp = new Gauge({
      name: "aurora_psi_field_up",
      help: "1 when the last Ψ-Field refresh succeeded, else 0 (0 also when no PSI_FIELD_URL is set).",
      registers,
    });
    this.#saveFailed = new Gauge({
      name: "aurora_model_save_failed",
      help: "1 once a background model save has failed since start (see /readyz for the error), else 0.",
      registers,
    });
    this.#logLines = new Counter({
      name: "aurora_decision_log_lines_total",
      help: "Decisions by what became of their AURORA_DECISION_LOG line: written; dropped (the queue was full, or a write failed); forgotten (more decisions waited for their outcome than the pending limit); unconfirmed (the store did not confirm how the decision finished); elsewhere (with DATABASE_URL: left to another replica's log, which took its feedback or claimed the settlement's line first); unclaimed (with DATABASE_URL: settled here, but the claim of its line could not be written: in no log). Absent without AURORA_DECISION_LOG.",
      labelNames: ["result"],
      registers: [],
    });
    this.#logFailed = new Gauge({
      name: "aurora_decision_log_write_failed",
      help: "1 once a write to AURORA_DECISION_LOG has failed since start (GET /status says why: decision_log.last_error), else 0.",
      registers: [],
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observeDecision(providerId: string | null, mode: string, seconds: number): void {
    const provider = providerId === null ? NO_PROVIDER : this.#providerLabel(providerId);
    const key = `${mode}\u0000${provider}`;
    let child = this.#decisionChildren.get(key);
    if (child === undefined) {
      child = this.#decisions.labels({ provider, mode });
      this.#decisionChildren.set(key, child);
    }
    child.inc();
    this.#decisionSeconds.observe(seconds);
  }

  observeFeedback(outcome: FeedbackOutcome, reward?: number): void {
    this.#feedback.inc({ outcome });
    if (reward !== undefined) this.#reward.observe(reward);
  }

  /** A learned outcome for a fallback (one of `metadata.alternatives`) instead of the chosen provider. */
  observeFallback(): void {
    this.#fallbacks.inc();
  }

  /** The providers an accepted feedback named as failed before the one the job ended on. */
  observeFailedAttempts(providerIds: readonly string[]): void {
    for (const id of providerIds) this.#failedAttempts.inc({ provider: this.#providerLabel(id) });
  }

  /**
   * Brings `aurora_settled_decisions_total` up to the engine's totals (its status'
   * `settlement`), which only grow; a smaller total (another engine) restarts the count from it.
   */
  observeSettlements(settledWithDefault: number, settledDropped: number): void {
    this.#countSettled("default", settledWithDefault);
    this.#countSettled("dropped", settledDropped);
  }

  /**
   * Where this process's count starts: the engine's totals when it started (they go on across
   * restarts), so that a restart is a counter reset to 0, as Prometheus expects, not a jump.
   */
  startSettlementsFrom(settledWithDefault: number, settledDropped: number): void {
    this.#settledCounted.default = settledWithDefault;
    this.#settledCounted.dropped = settledDropped;
  }

  #countSettled(outcome: "default" | "dropped", total: number): void {
    const counted = this.#settledCounted[outcome];
    if (total > counted) this.#settled.inc({ outcome }, total - counted);
    this.#settledCounted[outcome] = total;
  }

  observeHttpError(route: string, status: number): void {
    this.#httpErrors.inc({ route, status: String(status) });
  }

  setEngineGauges(gauges: EngineGauges): void {
    this.#epsilon.set(gauges.epsilon);
    this.#qStates.set(gauges.qStates);
    this.#pending.set(gauges.pendingFeedback);
    this.#psiUp.set(gauges.psiFieldUp ? 1 : 0);
    this.#saveFailed.set(gauges.saveFailed ? 1 : 0);
  }

  /**
   * Brings `aurora_decision_log_lines_total` up to the writer's totals, which start at 0 with the
   * process as the counter does; the first call registers the decision log's metrics.
   */
  observeDecisionLog(totals: DecisionLogTotals): void {
    if (this.registry.getSingleMetric("aurora_decision_log_lines_total") === undefined) {
      this.registry.registerMetric(this.#logLines);
      this.registry.registerMetric(this.#logFailed);
      for (const result of LOG_RESULTS) this.#logLines.inc({ result }, 0);
    }
    for (const result of LOG_RESULTS) {
      const total = totals[result];
      if (total > this.#logCounted[result]) this.#logLines.inc({ result }, total - this.#logCounted[result]);
      this.#logCounted[result] = total;
    }
    this.#logFailed.set(totals.failed ? 1 : 0);
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  #providerLabel(providerId: string): string {
    if (this.#seenProviders.has(providerId)) return labelValue(providerId);
    if (this.#seenProviders.size >= this.#maxProviderLabels) return OTHER_PROVIDER;
    this.#seenProviders.add(providerId);
    return labelValue(providerId);
  }
}

/** A lone (unpaired) UTF-16 surrogate: text that is not well-formed Unicode, which JSON strings may still hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** What `labelValue` writes a lone surrogate as, so a well-formed id holding that text is escaped too. */
const ESCAPE_LIKE = /\\u[0-9A-Fa-f]{4}/;
const TO_ESCAPE = new RegExp(`\\\\|${LONE_SURROGATE.source}`, "g");

/**
 * A label value for any string, distinct for distinct strings and valid UTF-8 in the exposition.
 * A well-formed string is its own label unless it holds text like `\uD800`; otherwise each lone
 * surrogate is written as that text (upper-case hex) and each backslash doubled. Without this,
 * every lone surrogate would be sent as U+FFFD, and ids "\uD800" and "\uDC00" would print as the
 * same series twice.
 */
export function labelValue(value: string): string {
  if (!LONE_SURROGATE.test(value) && !ESCAPE_LIKE.test(value)) return value;
  return value.replace(TO_ESCAPE, (match) =>
    match === "\\" ? "\\\\" : `\\u${match.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
}
