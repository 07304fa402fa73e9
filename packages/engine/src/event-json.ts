import { jsonString, numberText } from "./json-string.js";

/**
 * The journal's two frequent lines, a decision's record and an outcome event, written field by
 * field in the shape the engine gives them. The text is exactly `JSON.stringify`'s: every part
 * whose keys, key order or value types differ from that shape is handed to `JSON.stringify`
 * itself, so a field added later is written, never dropped. On Node 20 (V8 11) `JSON.stringify`
 * costs ~100–200 ns a property and printing a double; this writes the same ~800-byte decision
 * record in about a third of the time (docs/benchmarks.md, eleventh round).
 */

/** A decision record's keys in the order the executor creates them; `alternatives` may follow. */
const RECORD_KEYS = ["decision_id", "state_key", "provider_id", "context", "provider", "metadata", "created_at"] as const;

/** `DecisionMetadata`'s keys in the order `RoutingEngine.decide` writes them; `arm` may follow. */
const METADATA_KEYS = [
  "decision_id",
  "mode",
  "q_value",
  "epsilon",
  "state_key",
  "validated",
  "violations",
  "psi_adjusted",
  "psi_density",
  "psi_source",
  "probability",
  "policy",
  "candidate_count",
  "compliant_count",
  "alternatives",
] as const;

/** The outcome event's keys in the order `RoutingEngine.feedback` writes them. */
const OUTCOME_EVENT_KEYS = ["type", "decision_id", "outcome", "provider_id", "reward", "before", "after", "at"] as const;

type Plain = Record<string, unknown>;

/**
 * `JSON.stringify(rest)` for `rest` the decision record without `provider` and `alternatives`
 * (what the journal stores of it), from the record itself.
 */
export function storedRecordJson(record: object): string {
  const r = record as Plain;
  if (!isPlain(r) || !keysAre(r, RECORD_KEYS, "alternatives")) return JSON.stringify(withoutProviders(r));
  const { decision_id, state_key, provider_id, created_at } = r;
  if (typeof decision_id !== "string" || typeof state_key !== "string" || typeof provider_id !== "string") {
    return JSON.stringify(withoutProviders(r));
  }
  const at = numberJson(created_at);
  if (at === undefined) return JSON.stringify(withoutProviders(r));
  return `{"decision_id":${jsonString(decision_id)},"state_key":${jsonString(state_key)},"provider_id":${jsonString(provider_id)},"context":${flatObjectJson(r.context) ?? JSON.stringify(r.context)},"metadata":${metadataJson(r.metadata) ?? JSON.stringify(r.metadata)},"created_at":${at}}`;
}

/** `JSON.stringify(event)` for an outcome event. */
export function outcomeEventJson(event: object): string {
  const e = event as Plain;
  if (!isPlain(e) || !keysAre(e, OUTCOME_EVENT_KEYS)) return JSON.stringify(e);
  const { type, decision_id, provider_id } = e;
  const reward = numberJson(e.reward);
  const before = numberJson(e.before);
  const after = numberJson(e.after);
  const at = numberJson(e.at);
  const outcome = flatObjectJson(e.outcome);
  if (
    typeof type !== "string" ||
    typeof decision_id !== "string" ||
    typeof provider_id !== "string" ||
    reward === undefined ||
    before === undefined ||
    after === undefined ||
    at === undefined ||
    outcome === undefined
  ) {
    return JSON.stringify(e);
  }
  return `{"type":${jsonString(type)},"decision_id":${jsonString(decision_id)},"outcome":${outcome},"provider_id":${jsonString(provider_id)},"reward":${reward},"before":${before},"after":${after},"at":${at}}`;
}

/** The metadata's JSON when it has `DecisionMetadata`'s shape; `undefined` for anything else. */
function metadataJson(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Plain;
  if (!isPlain(m) || !keysAre(m, METADATA_KEYS, "arm")) return undefined;
  const { decision_id, mode, validated, violations, psi_adjusted, psi_source, policy, arm } = m;
  const qValue = nullableNumberJson(m.q_value);
  const epsilon = numberJson(m.epsilon);
  const psiDensity = nullableNumberJson(m.psi_density);
  const probability = nullableNumberJson(m.probability);
  const candidateCount = numberJson(m.candidate_count);
  const compliantCount = numberJson(m.compliant_count);
  const alternatives = alternativesJson(m.alternatives);
  if (
    typeof decision_id !== "string" ||
    typeof mode !== "string" ||
    typeof m.state_key !== "string" ||
    typeof validated !== "boolean" ||
    !Array.isArray(violations) ||
    typeof psi_adjusted !== "boolean" ||
    (psi_source !== null && typeof psi_source !== "string") ||
    typeof policy !== "string" ||
    (arm !== undefined && typeof arm !== "string") ||
    qValue === undefined ||
    epsilon === undefined ||
    psiDensity === undefined ||
    probability === undefined ||
    candidateCount === undefined ||
    compliantCount === undefined ||
    alternatives === undefined
  ) {
    return undefined;
  }
  const violationsText = violations.length === 0 ? "[]" : JSON.stringify(violations);
  const source = psi_source === null ? "null" : jsonString(psi_source);
  const tail = arm === undefined ? "" : `,"arm":${jsonString(arm)}`;
  return `{"decision_id":${jsonString(decision_id)},"mode":${jsonString(mode)},"q_value":${qValue},"epsilon":${epsilon},"state_key":${jsonString(m.state_key)},"validated":${validated},"violations":${violationsText},"psi_adjusted":${psi_adjusted},"psi_density":${psiDensity},"psi_source":${source},"probability":${probability},"policy":${jsonString(policy)},"candidate_count":${candidateCount},"compliant_count":${compliantCount},"alternatives":${alternatives}${tail}}`;
}

/** `[{ provider_id, estimate }, …]` as JSON; `undefined` for anything else. */
function alternativesJson(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  let text = "[";
  for (let i = 0; i < value.length; i++) {
    const a = value[i] as Plain;
    if (typeof a !== "object" || a === null || !isPlain(a)) return undefined;
    let k = 0;
    for (const key in a) {
      if (key !== (k === 0 ? "provider_id" : "estimate")) return undefined;
      k++;
    }
    const estimate = numberJson(a.estimate);
    if (k !== 2 || typeof a.provider_id !== "string" || estimate === undefined) return undefined;
    text += `${i === 0 ? "" : ","}{"provider_id":${jsonString(a.provider_id)},"estimate":${estimate}}`;
  }
  return `${text}]`;
}

/**
 * A plain object whose values are strings, numbers, booleans, null or undefined (left out, as
 * JSON leaves them), in its own key order: a context or an outcome. `undefined` for anything else.
 * for…in would also list an enumerable key of Object.prototype; the callers' `keysAre` on the
 * enclosing object sees such a key first and hands everything to `JSON.stringify`.
 */
function flatObjectJson(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !isPlain(value as Plain)) return undefined;
  const o = value as Plain;
  let text = "{";
  let first = true;
  for (const key in o) {
    const v = o[key];
    let part: string;
    if (typeof v === "string") part = jsonString(v);
    else if (typeof v === "number") part = numberJson(v) as string;
    else if (typeof v === "boolean") part = v ? "true" : "false";
    else if (v === null) part = "null";
    else if (v === undefined) continue;
    else return undefined;
    text += `${first ? "" : ","}${jsonString(key)}:${part}`;
    first = false;
  }
  return `${text}}`;
}

/** A finite number as JSON writes it (`${n}` is the same text, see `numberText`; −0 is "0"), non-finite as null; `undefined` for a non-number. */
function numberJson(value: unknown): string | undefined {
  if (typeof value !== "number") return undefined;
  return Number.isFinite(value) ? numberText(value) : "null";
}

function nullableNumberJson(value: unknown): string | undefined {
  return value === null ? "null" : numberJson(value);
}

/**
 * Whether a plain object's keys are `expected` in order, optionally followed by `optional`. With
 * Object.prototype as prototype, for…in lists exactly the own enumerable keys, in JSON's order.
 */
function keysAre(o: Plain, expected: readonly string[], optional?: string): boolean {
  let k = 0;
  for (const key in o) {
    if (k < expected.length) {
      if (key !== expected[k]) return false;
    } else if (k > expected.length || key !== optional) {
      return false;
    }
    k++;
  }
  return k >= expected.length;
}

/** A plain object: its prototype is Object.prototype, and no `toJSON` reaches it. */
function isPlain(o: Plain): boolean {
  return Object.getPrototypeOf(o) === Object.prototype && !("toJSON" in o);
}

/** A decision record as stored: without its providers (the stored event gives their indices among the candidates). */
export function withoutProviders<T extends object>(record: T): Omit<T, "provider" | "alternatives"> {
  const {
    provider: _provider,
    alternatives: _alternatives,
    ...rest
  } = record as T & { provider?: unknown; alternatives?: unknown };
  return rest;
}
