import type { AuditStatus, Constraints, Context, Provider, ViolationType } from "@aurora/domain";
import { ValidationError, VIOLATION_TYPES } from "@aurora/domain";
import type { Anomaly } from "./anomaly.js";
import { ANOMALY_KINDS } from "./anomaly.js";
import type { AuditCountersJson, AuditorStats } from "./audit-counters.js";
import { AuditCounters, violationIndexOf } from "./audit-counters.js";
import type { AuditEntry } from "./audit-entry.js";
import { AuditTrail } from "./audit-trail.js";
import type { AuditorOptions, ResolvedAuditorOptions } from "./auditor-options.js";
import { resolveAuditorOptions } from "./auditor-options.js";
import { checkConstraints } from "./check-constraints.js";
import { exclusionRuleOf } from "./exclusion-rule.js";
import { IsoTimestamps } from "./iso-timestamps.js";
import { QSpikeDetector } from "./q-spike-detector.js";
import { RingBuffer } from "./ring-buffer.js";
import { UnderperformanceDetector } from "./underperformance-detector.js";

export interface RecordInput {
  decision_id: string;
  state_key: string;
  /** `null` when no provider was viable. */
  provider_id: string | null;
  violations: ViolationType[];
  notes?: string[];
  /**
   * When the decision was made, in clock milliseconds (e.g. the executor's `created_at`): the
   * entry's timestamp, so a caller that already read the clock does not make the auditor read it
   * again. Default: the auditor's clock, now.
   */
  at?: number;
}

export interface ValidateDecisionInput {
  decision_id: string;
  state_key: string;
  provider: Provider;
  constraints?: Constraints;
  context: Context;
}

export interface ObserveUpdateInput {
  decision_id: string;
  state_key: string;
  provider_id: string;
  /** Q-value before and after the update. */
  before: number;
  after: number;
  success: boolean;
  reward: number;
}

/**
 * An entry or an anomaly as recorded, for `restoreRecorded`: the shape of a store's audit
 * records (`onEntry`/`onAnomaly` wrapped with their kind).
 */
export type RecordedAudit = { kind: "entry"; entry: AuditEntry } | { kind: "anomaly"; anomaly: Anomaly };

const AUDIT_STATUSES: readonly AuditStatus[] = ["approved", "flagged", "rejected"];
/** A Date holds at most 8.64e15 ms either side of the epoch (ECMA-262 TimeClip); beyond it `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;
const DEFAULT_LIMIT = 100;
const NONE: never[] = Object.freeze([]) as never[];

function frozenCopy<T>(items: readonly T[]): T[] {
  return items.length === 0 ? NONE : (Object.freeze(items.slice()) as T[]);
}

function checkId(field: string, value: unknown): void {
  if (typeof value !== "string" || value.length === 0) {
    throw ValidationError.forField(field, `must be a non-empty string, got ${typeof value === "string" ? '""' : String(value)}`);
  }
}

function checkKeys(decisionId: unknown, stateKey: unknown, providerId: unknown, providerMayBeNull = false): void {
  checkId("decision_id", decisionId);
  if (typeof stateKey !== "string") throw ValidationError.forField("state_key", "must be a string");
  if (providerId !== null || !providerMayBeNull) checkId("provider_id", providerId);
}

function isDateMs(value: unknown): value is number {
  return typeof value === "number" && Math.abs(value) <= MAX_DATE_MS;
}

/**
 * What `checkConstraints` and `exclusionRuleOf` read, by type, so that a wrong one is named
 * rather than thrown as a `TypeError`. Values are theirs to judge: a NaN bound fails closed.
 */
function checkDecisionInput(provider: unknown, constraints: unknown, context: unknown): void {
  if (!isObject(provider)) {
    throw ValidationError.forField(
      "provider",
      "must be a provider object { provider_id, price_usd_per_hour, latency_ms, reputation, regions, gpu_types }",
    );
  }
  if (!isObject(context)) throw ValidationError.forField("context", "must be the request's context object { gpu_hours, … }");
  if (constraints === undefined) return;
  if (!isObject(constraints)) throw ValidationError.forField("constraints", "must be an object when given");
  for (const name of ["allow", "deny"] as const) {
    if (constraints[name] !== undefined) checkTexts(`constraints.${name}`, constraints[name]);
  }
  const lists = [
    ["region", "regions"],
    ["gpu_type", "gpu_types"],
  ] as const;
  for (const [constraint, list] of lists) {
    if (constraints[constraint] == null) continue;
    checkText(`constraints.${constraint}`, constraints[constraint]);
    if (provider[list] !== undefined) checkTexts(`provider.${list}`, provider[list]);
  }
}

function checkLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== "number" || !(value >= 0) || !(Number.isInteger(value) || value === Number.POSITIVE_INFINITY)) {
    throw ValidationError.forField("limit", `must be a whole number ≥ 0 (or Infinity for all held), got ${String(value)}`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkText(field: string, value: unknown): string {
  if (typeof value !== "string") throw ValidationError.forField(field, "must be a string");
  return value;
}

function checkTexts(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw ValidationError.forField(field, "must be an array of strings");
  for (let i = 0; i < value.length; i++) checkText(`${field}[${i}]`, value[i]);
  return value;
}

/** A recorded entry, checked field by field (`field` names it), as a new frozen entry with frozen copies of its arrays. */
function recordedEntry(field: string, value: unknown): AuditEntry {
  if (!isObject(value)) throw ValidationError.forField(field, "must be an audit entry object");
  checkText(`${field}.timestamp`, value.timestamp);
  checkId(`${field}.decision_id`, value.decision_id);
  checkText(`${field}.state_key`, value.state_key);
  if (value.provider_id !== null) checkId(`${field}.provider_id`, value.provider_id);
  if (!AUDIT_STATUSES.includes(value.status as AuditStatus)) {
    throw ValidationError.forField(`${field}.status`, `must be one of ${AUDIT_STATUSES.join(", ")}, got ${String(value.status)}`);
  }
  // Violation types are kept as recorded: one a newer version knows is still text worth showing.
  const violations = checkTexts(`${field}.violations`, value.violations) as ViolationType[];
  const notes = checkTexts(`${field}.notes`, value.notes);
  return Object.freeze({
    timestamp: value.timestamp as string,
    decision_id: value.decision_id as string,
    state_key: value.state_key as string,
    provider_id: value.provider_id as string | null,
    status: value.status as AuditStatus,
    violations: frozenCopy(violations),
    notes: frozenCopy(notes),
  });
}

/** A recorded anomaly, checked field by field, as a new frozen anomaly. Its kind is kept as recorded. */
function recordedAnomaly(field: string, value: unknown): Anomaly {
  if (!isObject(value)) throw ValidationError.forField(field, "must be an anomaly object");
  checkText(`${field}.timestamp`, value.timestamp);
  checkId(`${field}.kind`, value.kind);
  checkId(`${field}.decision_id`, value.decision_id);
  checkText(`${field}.state_key`, value.state_key);
  checkId(`${field}.provider_id`, value.provider_id);
  checkText(`${field}.note`, value.note);
  if (typeof value.value !== "number") throw ValidationError.forField(`${field}.value`, "must be a number");
  if (typeof value.threshold !== "number") throw ValidationError.forField(`${field}.threshold`, "must be a number");
  return Object.freeze({
    timestamp: value.timestamp as string,
    kind: value.kind as Anomaly["kind"],
    decision_id: value.decision_id as string,
    state_key: value.state_key as string,
    provider_id: value.provider_id as string,
    note: value.note as string,
    value: value.value,
    threshold: value.threshold,
  });
}

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** Four significant digits, for notes meant for people (the exact numbers are in `value`/`threshold`). */
function brief(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/**
 * Validation and audit: one entry per decision in a bounded trail (newest first), running
 * statistics over every entry ever recorded, and anomaly flags in a bounded ring of their own.
 */
export class Auditor {
  readonly strictMode: boolean;
  readonly #options: ResolvedAuditorOptions;
  readonly #trail: AuditTrail;
  readonly #anomalies: RingBuffer<Anomaly>;
  readonly #counters = new AuditCounters();
  readonly #timestamps = new IsoTimestamps();
  readonly #qSpike: QSpikeDetector;
  readonly #underperformance: UnderperformanceDetector;

  constructor(options?: AuditorOptions) {
    this.#options = resolveAuditorOptions(options);
    this.strictMode = this.#options.strictMode;
    this.#trail = new AuditTrail(this.#options.maxEntries);
    this.#anomalies = new RingBuffer(this.#options.maxAnomalies);
    this.#qSpike = new QSpikeDetector(this.#options.qSpike);
    this.#underperformance = new UnderperformanceDetector(this.#options.underperforming);
  }

  /**
   * How many entries and anomalies the rings hold (`maxEntries`, `maxAnomalies`): at most this
   * many come back from a store after a restart (see `restoreRecorded`).
   */
  get capacity(): { entries: number; anomalies: number } {
    return { entries: this.#options.maxEntries, anomalies: this.#options.maxAnomalies };
  }

  /**
   * Records one decision as one entry. Status: provider `null` → rejected (nothing viable, in
   * every mode); no violations → approved; violations → flagged, or rejected in strict mode.
   * The entry (frozen, with frozen copies of `violations` and `notes`) is kept, counted, passed
   * to `onEntry`, and returned. If `onEntry` throws, the error propagates after the entry was kept.
   */
  record(input: RecordInput): AuditEntry {
    const { decision_id, state_key, provider_id, violations, notes, at } = input;
    checkKeys(decision_id, state_key, provider_id, true);
    if (at !== undefined && !isDateMs(at)) {
      throw ValidationError.forField(
        "at",
        `must be clock milliseconds from −8.64e15 to 8.64e15 (a Date's range) when given, got ${String(at)}`,
      );
    }
    if (!Array.isArray(violations)) throw ValidationError.forField("violations", "must be an array of violation types");
    for (let i = 0; i < violations.length; i++) {
      if (violationIndexOf(violations[i]) < 0) {
        throw ValidationError.forField(
          `violations[${i}]`,
          `unknown violation type ${JSON.stringify(violations[i])}: use one of ${VIOLATION_TYPES.join(", ")}`,
        );
      }
    }
    if (notes !== undefined && (!Array.isArray(notes) || notes.some((note) => typeof note !== "string"))) {
      throw ValidationError.forField("notes", "must be an array of strings when given");
    }
    const status: AuditStatus =
      provider_id === null ? "rejected" : violations.length === 0 ? "approved" : this.strictMode ? "rejected" : "flagged";
    return this.#append(decision_id, state_key, provider_id, status, violations, notes ?? NONE, at ?? this.#now());
  }

  /**
   * The seed's `validate_decision`: checks `provider` against `constraints` and records the entry.
   * `valid` is true when the provider breaks no constraint and no allow/deny rule, in either mode.
   * A provider removed by `allow`/`deny` is recorded as rejected, whatever the mode, with a note
   * naming the rule; its `violations` still list the constraints it breaks.
   */
  validateDecision(input: ValidateDecisionInput): { valid: boolean; violations: ViolationType[]; entry: AuditEntry } {
    const { decision_id, state_key, provider, constraints, context } = input;
    checkDecisionInput(provider, constraints, context);
    const violations = checkConstraints(provider, constraints, context);
    const rule = exclusionRuleOf(provider.provider_id, constraints);
    if (rule === null) {
      const entry = this.record({ decision_id, state_key, provider_id: provider.provider_id, violations });
      return { valid: violations.length === 0, violations, entry };
    }
    checkKeys(decision_id, state_key, provider.provider_id);
    const note =
      rule === "denied"
        ? `provider "${provider.provider_id}" is listed in constraints.deny, a hard rule in every mode`
        : `provider "${provider.provider_id}" is not listed in constraints.allow, a hard rule in every mode`;
    const entry = this.#append(decision_id, state_key, provider.provider_id, "rejected", violations, [note], this.#now());
    return { valid: false, violations, entry };
  }

  /** Records an anomaly (kept in the anomaly ring, counted, passed to `onAnomaly`); adds no audit entry. */
  flagAnomaly(input: Omit<Anomaly, "timestamp">): Anomaly {
    if (!ANOMALY_KINDS.includes(input.kind)) {
      throw ValidationError.forField(
        "kind",
        `unknown anomaly kind ${JSON.stringify(input.kind)}: use one of ${ANOMALY_KINDS.join(", ")}`,
      );
    }
    checkKeys(input.decision_id, input.state_key, input.provider_id);
    if (typeof input.note !== "string") throw ValidationError.forField("note", "must be a string");
    if (typeof input.value !== "number") throw ValidationError.forField("value", "must be a number");
    if (typeof input.threshold !== "number") throw ValidationError.forField("threshold", "must be a number");
    return this.#raise(input);
  }

  /**
   * Feed every learned reward. Raises (and returns) up to two anomalies:
   * - `q_value_spike` when |after − before| exceeds `qSpike.factor` × the recent peak change
   *   (see `QSpikeDetector`), once `qSpike.minSamples` updates were seen;
   * - `underperforming_provider` when the provider's success rate over its last
   *   `underperforming.window` outcomes (at least `minOutcomes`) crosses below `minSuccessRate`.
   */
  observeUpdate(input: ObserveUpdateInput): Anomaly[] {
    const { decision_id, state_key, provider_id, before, after, success, reward } = input;
    checkKeys(decision_id, state_key, provider_id);
    if (!Number.isFinite(before)) throw ValidationError.forField("before", `must be a finite Q-value, got ${String(before)}`);
    if (!Number.isFinite(after)) throw ValidationError.forField("after", `must be a finite Q-value, got ${String(after)}`);
    if (typeof success !== "boolean") throw ValidationError.forField("success", "must be true or false");
    // Checked with the rest, before any detector moves: an anomaly's note names it.
    if (typeof reward !== "number" || Number.isNaN(reward)) {
      throw ValidationError.forField("reward", `must be the reward learned (a number), got ${String(reward)}`);
    }

    const raised: Anomaly[] = [];
    const change = Math.abs(after - before);
    const threshold = this.#qSpike.observe(change);
    if (threshold !== undefined) {
      raised.push(
        this.#raise({
          kind: "q_value_spike",
          decision_id,
          state_key,
          provider_id,
          note:
            `Q-value of "${provider_id}" in ${state_key} moved by ${brief(change)} (from ${brief(before)} to ${brief(after)}, ` +
            `reward ${brief(reward)}), more than ${brief(threshold)} (${this.#options.qSpike.factor} × the recent peak change)`,
          value: change,
          threshold,
        }),
      );
    }
    const window = this.#underperformance.observe(provider_id, success);
    if (window !== undefined) {
      const { minSuccessRate } = this.#options.underperforming;
      raised.push(
        this.#raise({
          kind: "underperforming_provider",
          decision_id,
          state_key,
          provider_id,
          note:
            `provider "${provider_id}" succeeded in ${window.successes} of its last ${window.count} outcomes ` +
            `(${percent(window.successRate)}), below the ${percent(minSuccessRate)} minimum`,
          value: window.successRate,
          threshold: minSuccessRate,
        }),
      );
    }
    return raised;
  }

  /** Entries held in memory, newest first: up to `limit` (default 100), optionally of one decision only. */
  getAuditTrail(options: { limit?: number; decisionId?: string } = {}): AuditEntry[] {
    const limit = checkLimit(options.limit);
    if (options.decisionId === undefined) return this.#trail.newest(limit);
    if (typeof options.decisionId !== "string") throw ValidationError.forField("decisionId", "must be a string when given");
    return this.#trail.forDecision(options.decisionId, limit);
  }

  /** Anomalies held in memory, newest first: up to `limit` (default 100). */
  getAnomalies(options: { limit?: number } = {}): Anomaly[] {
    return this.#anomalies.newest(checkLimit(options.limit));
  }

  /** Running statistics over every entry and anomaly ever recorded. */
  stats(): AuditorStats {
    return this.#counters.stats();
  }

  /** The counts behind `stats()`, for a snapshot, so that they go on across a restart (see `restoreCounters`). */
  countersToJSON(): AuditCountersJson {
    return this.#counters.toJSON();
  }

  /**
   * Puts back counts `countersToJSON` wrote, replacing the present ones. Throws a
   * `ValidationError` naming the part of `field` that is not such counts; nothing changes then.
   * The trail and anomaly rings are not part of it: `restoreRecorded` puts those back.
   */
  restoreCounters(json: unknown, field = "counters"): void {
    this.#counters.restore(json, field);
  }

  /**
   * Counts an entry recorded before a restart and after the snapshot the counts came from (a
   * journal's decision), without adding it to the trail or calling `onEntry`: it is already in
   * the store's audit trail. `violations` is as the record holds it: entries that are no
   * violation type (a newer version's, say) are not counted by type.
   */
  countRecordedEntry(status: AuditStatus, violations: readonly unknown[]): void {
    this.#counters.countEntry(status, violations.filter((type) => violationIndexOf(type) >= 0) as ViolationType[]);
  }

  /**
   * Puts back entries and anomalies recorded before a restart (as a store's audit trail kept them,
   * oldest first, entries and anomalies interleaved) into the trail and the anomaly ring, each
   * ring keeping its newest `capacity`. They are neither counted again (the counts come back with
   * `restoreCounters` and `countRecordedEntry`) nor passed to `onEntry`/`onAnomaly` (the store
   * has them). Meant for a new auditor, before it records anything: they go in after what the
   * rings hold. Every record is checked first: a `ValidationError` names the field of the first
   * malformed one (e.g. `records[3].entry.status`), and nothing changes then. Violation types and
   * anomaly kinds are kept as recorded, known or not (a newer version's, say).
   */
  restoreRecorded(records: readonly RecordedAudit[], field = "records"): void {
    if (!Array.isArray(records)) throw ValidationError.forField(field, "must be an array of recorded entries and anomalies");
    const restored: (AuditEntry | Anomaly)[] = [];
    const isEntry: boolean[] = [];
    for (let i = 0; i < records.length; i++) {
      const at = `${field}[${i}]`;
      const record: unknown = records[i];
      if (!isObject(record))
        throw ValidationError.forField(at, 'must be { kind: "entry", entry } or { kind: "anomaly", anomaly }');
      if (record.kind === "entry") {
        restored.push(recordedEntry(`${at}.entry`, record.entry));
        isEntry.push(true);
      } else if (record.kind === "anomaly") {
        restored.push(recordedAnomaly(`${at}.anomaly`, record.anomaly));
        isEntry.push(false);
      } else {
        throw ValidationError.forField(`${at}.kind`, `must be "entry" or "anomaly", got ${JSON.stringify(record.kind)}`);
      }
    }
    for (let i = 0; i < restored.length; i++) {
      if (isEntry[i]) this.#trail.append(restored[i] as AuditEntry);
      else this.#anomalies.push(restored[i] as Anomaly);
    }
  }

  /** The clock's time, refused unless a Date can hold it (the timestamps are ISO text). */
  #now(): number {
    const now = this.#options.clock.now();
    if (!isDateMs(now)) {
      throw ValidationError.forField(
        "options.clock",
        `now() returned ${String(now)}: it must return epoch milliseconds from −8.64e15 to 8.64e15 (a Date's range)`,
      );
    }
    return now;
  }

  #append(
    decision_id: string,
    state_key: string,
    provider_id: string | null,
    status: AuditStatus,
    violations: readonly ViolationType[],
    notes: readonly string[],
    at: number,
  ): AuditEntry {
    const entry: AuditEntry = Object.freeze({
      timestamp: this.#timestamps.format(at),
      decision_id,
      state_key,
      provider_id,
      status,
      violations: frozenCopy(violations),
      notes: frozenCopy(notes),
    });
    this.#trail.append(entry);
    this.#counters.countEntry(status, entry.violations);
    this.#options.onEntry?.(entry);
    return entry;
  }

  #raise(input: Omit<Anomaly, "timestamp">): Anomaly {
    const anomaly: Anomaly = Object.freeze({
      timestamp: this.#timestamps.format(this.#now()),
      kind: input.kind,
      decision_id: input.decision_id,
      state_key: input.state_key,
      provider_id: input.provider_id,
      note: input.note,
      value: input.value,
      threshold: input.threshold,
    });
    this.#anomalies.push(anomaly);
    this.#counters.countAnomaly(anomaly.kind);
    this.#options.onAnomaly?.(anomaly);
    return anomaly;
  }
}
