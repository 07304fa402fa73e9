import { MAX_REWARD_MAGNITUDE, ValidationError } from "@aurora/domain";
import type { QLearningParams } from "./q-learning-options.js";
import { resolveQLearningOptions } from "./q-learning-options.js";

export const MODEL_FORMAT = "aurora-model";
export const MODEL_VERSION = 1;
/** Rewards a snapshot keeps (the Python engine kept all of them, forever). */
export const REWARD_HISTORY_LIMIT = 1000;

/**
 * The Q-learning model file: the Python engine's keys (`q_table`, `epsilon`,
 * `decision_count`, `reward_history`) plus ours. Maps are null-prototype objects, so a
 * provider or state called `__proto__` is an ordinary key.
 */
export interface QLearningSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "q-learning";
  /** The hyperparameters; `maxProviders`, a limit on memory, is not written (a file that has it is read). */
  params: Omit<QLearningParams, "maxProviders">;
  /** The current, decayed ε (`params.epsilon` is where it started). */
  epsilon: number;
  decision_count: number;
  /** Rewards learned in all; absent in Python files, where it is `reward_history.length`. */
  total_rewards: number;
  /** The last rewards learned, oldest first, at most {@link REWARD_HISTORY_LIMIT}. */
  reward_history: number[];
  /** state key → provider id → Q-value. */
  q_table: Record<string, Record<string, number>>;
  /**
   * The providers the table holds, least recently among the candidates first: the order
   * `maxProviders` forgets them in, kept across a restart. Absent in older and Python files.
   */
  provider_recency?: string[];
}

/** A snapshot that passed validation, ready to restore. */
export interface ModelState {
  params: QLearningParams;
  epsilon: number;
  decisionCount: number;
  rewardHistory: number[];
  totalRewards: number;
  qTable: Record<string, Record<string, number>>;
  /** `provider_recency`, when the file has it. */
  providerRecency?: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `q_table.llm` for identifier-like keys, `q_table["a:b:c"]` for the rest. */
function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function requireCount(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw ValidationError.forField(field, "must be a whole number ≥ 0");
  }
  return value as number;
}

/**
 * Validates a model snapshot: ours, or the Python engine's file with only its four keys.
 * Keys it does not know at the top level (an engine's `pending`, `saved_at`) are ignored.
 * Throws a `ValidationError` naming the first bad field, e.g. `q_table["a:b:c"].akash`.
 */
export function parseModelSnapshot(value: unknown): ModelState {
  if (!isObject(value)) {
    throw ValidationError.forField(
      "(root)",
      "a model snapshot must be a JSON object with q_table, epsilon, decision_count and reward_history",
    );
  }
  const format = own(value, "format");
  if (format !== undefined && format !== MODEL_FORMAT) {
    throw ValidationError.forField(
      "format",
      `must be "${MODEL_FORMAT}", got ${JSON.stringify(format)}: this is not an Aurora model file`,
    );
  }
  const version = own(value, "version");
  if (version !== undefined && version !== MODEL_VERSION) {
    throw ValidationError.forField(
      "version",
      `is ${JSON.stringify(version)}, but this @aurora/strategist reads version ${MODEL_VERSION}: ` +
        "upgrade it to read this file",
    );
  }
  const policy = own(value, "policy");
  if (policy !== undefined && policy !== "q-learning")
    throw ValidationError.forField("policy", otherPolicy(policy, "q-learning"));
  const params = resolveQLearningOptions(own(value, "params"), "params");

  const epsilon = own(value, "epsilon");
  if (typeof epsilon !== "number" || !(epsilon >= 0 && epsilon <= 1)) {
    throw ValidationError.forField("epsilon", "must be a number from 0 to 1 (the current exploration rate)");
  }
  const decisionCount = requireCount(own(value, "decision_count"), "decision_count");

  const history = own(value, "reward_history");
  if (!Array.isArray(history)) throw ValidationError.forField("reward_history", "must be an array of rewards");
  history.forEach((reward, i) => {
    if (typeof reward !== "number" || !Number.isFinite(reward)) {
      throw ValidationError.forField(`reward_history[${i}]`, "must be a finite number (a reward)");
    }
  });
  const total = own(value, "total_rewards");
  const totalRewards = total === undefined ? history.length : requireCount(total, "total_rewards");
  const kept = Math.min(history.length, REWARD_HISTORY_LIMIT);
  if (totalRewards < kept) {
    throw ValidationError.forField("total_rewards", `must be at least the ${kept} rewards in reward_history`);
  }

  // What learning can reach: rewards within ±1e16, discounted by γ, from initialQ within the same.
  const qBound = Math.max(MAX_REWARD_MAGNITUDE, Math.abs(params.initialQ)) / (1 - params.gamma);
  const qTable = own(value, "q_table");
  if (!isObject(qTable)) throw ValidationError.forField("q_table", "must be an object: state key → provider id → Q-value");
  for (const stateKey in qTable) {
    if (!Object.hasOwn(qTable, stateKey)) continue;
    const row = qTable[stateKey];
    if (stateKey === "" || !isObject(row)) {
      const field = keyPath("q_table", stateKey);
      if (stateKey === "") throw ValidationError.forField(field, "a state key must not be empty");
      throw ValidationError.forField(field, "must be an object: provider id → Q-value");
    }
    for (const providerId in row) {
      if (!Object.hasOwn(row, providerId)) continue;
      const q = row[providerId];
      if (providerId === "" || typeof q !== "number" || !(Math.abs(q) <= qBound)) {
        const field = keyPath(keyPath("q_table", stateKey), providerId);
        if (providerId === "") throw ValidationError.forField(field, "a provider id must not be empty");
        throw ValidationError.forField(
          field,
          `must be a number within ±${qBound.toExponential(3)} (a Q-value: rewards within ±1e16 discounted by γ ${params.gamma} reach no further), got ${String(q)}`,
        );
      }
    }
  }

  const recency = own(value, "provider_recency");
  if (recency !== undefined && (!Array.isArray(recency) || !recency.every((id) => typeof id === "string" && id !== ""))) {
    throw ValidationError.forField("provider_recency", "must be an array of provider ids, least recently seen first");
  }
  return {
    params,
    epsilon,
    decisionCount,
    rewardHistory: history.slice(-REWARD_HISTORY_LIMIT) as number[],
    totalRewards,
    qTable: qTable as Record<string, Record<string, number>>,
    ...(recency !== undefined ? { providerRecency: recency as string[] } : {}),
  };
}

/**
 * Why a snapshot's `policy` (the kind that saved it) does not load into the `policy` at hand:
 * another kind, to be created instead; or no kind name at all (missing, or not a string: a part
 * of a composite model, say), so the file is not such a model.
 */
export function otherPolicy(kind: unknown, policy: string): string {
  if (typeof kind === "string") {
    const name = kind.length > 80 ? `${kind.slice(0, 80)}…` : kind;
    return `is ${JSON.stringify(name)}, but this is the "${policy}" policy: create a "${name}" policy to load it`;
  }
  const got =
    kind === undefined
      ? "nothing"
      : kind === null
        ? "null"
        : Array.isArray(kind)
          ? "an array"
          : `${typeof kind === "object" ? "an" : "a"} ${typeof kind}`;
  return `must name the policy that saved this model, e.g. "${policy}", got ${got}: this is not a model a policy saved whole (a part of another model?)`;
}
