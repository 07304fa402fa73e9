import { createRng, seededStringHash, ValidationError } from "@aurora/domain";
import { composeTag, parseTag } from "./choice-tag.js";
import { MODEL_FORMAT, MODEL_VERSION, REWARD_HISTORY_LIMIT } from "./model-snapshot.js";
import type {
  Choice,
  ChooseRequest,
  Policy,
  PolicySnapshot,
  RecordedChoice,
  RewardUpdate,
  StrategistStats,
  UpdateResult,
} from "./policy.js";
import { innerSnapshot } from "./policy-copy.js";
import { childDeps, type PolicyDeps } from "./policy-deps.js";
import { requireRewardUpdate } from "./policy-input-checks.js";
import type { PolicyConfig } from "./policy-registry.js";
import { innerRecord, replayDecision } from "./replay-decision.js";
import { RewardHistory } from "./reward-history.js";
import type { RewardSummary, RunningStatsJson } from "./running-stats.js";
import { RunningStats, Z_95 } from "./running-stats.js";
import {
  isObject,
  own,
  refuseUnknownKeys,
  requireCount,
  requireRewards,
  resumedSnapshot,
  withFieldPrefix,
} from "./snapshot-fields.js";

/** Registry config: `{ kind: "shadow", primary, shadow }`. */
export interface ShadowOptions {
  /** Routes every decision. May be left out when resuming from a snapshot, which keeps it. */
  primary: PolicyConfig;
  /** Chooses on every decision too, but never routes; learns from every outcome. */
  shadow: PolicyConfig;
  /** Seed of the shadow's own random stream (default 0), so a shadow never changes the primary's draws. */
  seed?: number;
}

export interface ShadowPolicyOptions {
  primary: Policy;
  shadow: Policy;
  /** The configs they were built from, kept in snapshots; default `{ kind: policy.name }`. */
  configs?: { primary?: PolicyConfig; shadow?: PolicyConfig; seed?: number };
}

export interface ShadowStats {
  /** The shadow policy's name. */
  name: string;
  decisions: number;
  /** Decisions where the shadow picked the provider the primary played. */
  agreements: number;
  /** agreements / decisions (0 before the first). */
  agreement_share: number;
  /** Rewards of agreed decisions: the only rewards the shadow's own picks are known to have earned. */
  agreed_rewards: RewardSummary;
  /** The primary's rewards where the shadow picked otherwise (the shadow's reward there is unobserved). */
  differed_rewards: RewardSummary;
  /** The shadow's own estimate for its picks, in its own units (a belief, not a measurement). */
  shadow_estimate: RewardSummary;
  /** Rewards without a shadow tag (decisions made before the shadow was added): learned, not compared. */
  unattributed_rewards: number;
  /** The primary's own statistics (an `ab` primary's arms, a guardrail's evidence). */
  primary: StrategistStats;
  shadow: StrategistStats;
}

export interface ShadowSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "shadow";
  params: { primary: PolicyConfig; shadow: PolicyConfig; seed: number };
  decision_count: number;
  agreements: number;
  total_rewards: number;
  reward_history: number[];
  unattributed_rewards: number;
  agreed_rewards: RunningStatsJson;
  differed_rewards: RunningStatsJson;
  shadow_estimate: RunningStatsJson;
  primary: PolicySnapshot;
  shadow: PolicySnapshot;
}

const OPTION_NAMES = ["primary", "shadow", "seed"];

function checkPolicy(policy: unknown, field: string): asserts policy is Policy {
  if (!policy || typeof (policy as Policy).choose !== "function") {
    throw ValidationError.forField(field, "must be a Policy (build it with createPolicy)");
  }
}

/**
 * The seed of a resumed shadow's stream: `seed` mixed with how many decisions the snapshot holds,
 * so that a restart does not draw the numbers of the first decisions again (the same explorations
 * after every restart), while a restart from the same snapshot goes on the same way.
 */
function continuedSeed(seed: number, snapshot: Record<string, unknown>): number {
  const decisions = requireCount(own(snapshot, "decision_count"), "decision_count");
  return seededStringHash(seed, `shadow:${decisions}`);
}

/**
 * A shadow deployment (registry kind `"shadow"`): the primary routes every decision; the
 * shadow also chooses on every decision but never routes, and both learn from every
 * outcome. `Choice.tag` says whether they agreed (`"agree"` or `"differ"`), so the reward of an
 * agreed decision can be credited to the shadow's pick too.
 */
export class ShadowPolicy implements Policy {
  readonly name = "shadow" as const;
  readonly #primary: Policy;
  readonly #shadow: Policy;
  readonly #configs: { primary: PolicyConfig; shadow: PolicyConfig; seed: number };
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #decisionCount = 0;
  #agreements = 0;
  #unattributed = 0;
  #agreed = new RunningStats();
  #differed = new RunningStats();
  #shadowEstimate = new RunningStats();

  constructor(options: ShadowPolicyOptions) {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { primary, shadow }");
    refuseUnknownKeys(options, ["primary", "shadow", "configs"], "a shadow");
    checkPolicy(options.primary, "primary");
    checkPolicy(options.shadow, "shadow");
    this.#primary = options.primary;
    this.#shadow = options.shadow;
    this.#configs = {
      primary: options.configs?.primary ?? ({ kind: options.primary.name } as PolicyConfig),
      shadow: options.configs?.shadow ?? ({ kind: options.shadow.name } as PolicyConfig),
      seed: options.configs?.seed ?? 0,
    };
  }

  /** Builds both policies from their configs (the shadow with its own `createRng(seed)`) and resumes from `deps.snapshot`. */
  static fromConfig(
    options: ShadowOptions,
    deps: PolicyDeps,
    build: (config: PolicyConfig, deps: PolicyDeps) => Policy,
  ): ShadowPolicy {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { primary, shadow, seed? }");
    refuseUnknownKeys(options, OPTION_NAMES, "a shadow");
    const { snapshot, saved } = resumedSnapshot(deps.snapshot, "shadow");
    const primaryConfig = (options.primary ?? own(saved, "primary")) as PolicyConfig | undefined;
    const shadowConfig = (options.shadow ?? own(saved, "shadow")) as PolicyConfig | undefined;
    const seed = options.seed ?? own(saved, "seed") ?? 0;
    if (!isObject(primaryConfig))
      throw ValidationError.forField("primary", 'must be a policy config such as { kind: "q-learning" }');
    if (!isObject(shadowConfig))
      throw ValidationError.forField("shadow", 'must be a policy config such as { kind: "q-learning", epsilon: 0.05 }');
    if (!Number.isSafeInteger(seed)) throw ValidationError.forField("seed", `must be a whole number, got ${String(seed)}`);
    for (const side of ["primary", "shadow"] as const) {
      if (snapshot && own(snapshot, side) === undefined) {
        throw ValidationError.forField(side, "must be the saved state of that policy: it would start again from nothing");
      }
    }
    const primary = withFieldPrefix("primary", () =>
      build(primaryConfig, childDeps(deps, snapshot ? own(snapshot, "primary") : undefined)),
    );
    const stream = snapshot ? continuedSeed(seed as number, snapshot) : (seed as number);
    const shadow = withFieldPrefix("shadow", () =>
      build(shadowConfig, childDeps(deps, snapshot ? own(snapshot, "shadow") : undefined, createRng(stream))),
    );
    const policy = new ShadowPolicy({
      primary,
      shadow,
      configs: { primary: primaryConfig, shadow: shadowConfig, seed: seed as number },
    });
    if (snapshot) policy.#restore(snapshot);
    return policy;
  }

  choose(request: ChooseRequest): Choice {
    const choice = this.#primary.choose(request);
    const shadow = this.#shadow.choose(request);
    const agree = shadow.index === choice.index;
    this.#decisionCount++;
    if (agree) this.#agreements++;
    this.#shadowEstimate.push(shadow.estimate);
    return { ...choice, tag: composeTag(agree ? "agree" : "differ", [choice.tag, shadow.tag]) };
  }

  /**
   * Repeats a recorded decision (see `Policy.replay`): agreement is counted from the recorded
   * label, not from a new draw; the primary replays its pick, the shadow its own (told the pick
   * where they agreed), each with its part of the tag. `shadow_estimate` takes the shadow's
   * replayed choice's estimate (its pick is not recorded where they differed). A decision without
   * a shadow label was the primary's alone (made before the shadow was added): the primary replays
   * it whole, and nothing is counted here.
   */
  replay(request: ChooseRequest, recorded: RecordedChoice): Choice | undefined {
    const { label, inner } = parseTag(recorded.tag);
    if (label !== "agree" && label !== "differ") return replayDecision(this.#primary, request, recorded);
    const agree = label === "agree";
    const choice = replayDecision(this.#primary, request, innerRecord(inner[0], recorded.providerId, recorded.epsilon));
    const shadow = replayDecision(this.#shadow, request, innerRecord(inner[1], agree ? recorded.providerId : undefined));
    this.#decisionCount++;
    if (agree) this.#agreements++;
    if (shadow) this.#shadowEstimate.push(shadow.estimate);
    return choice && { ...choice, tag: recorded.tag as string };
  }

  /** The primary's (it is the one routing); undefined when the primary cannot state them. */
  probabilities(request: ChooseRequest): number[] | undefined {
    return this.#primary.probabilities?.(request);
  }

  /** The primary's estimates (it is the one routing). */
  estimate(request: ChooseRequest): number[] {
    return this.#primary.estimate(request);
  }

  update(update: RewardUpdate): UpdateResult {
    requireRewardUpdate(update);
    const { label, inner } = parseTag(update.tag);
    const { tag: _, ...rest } = update;
    const ours = label === "agree" || label === "differ";
    // A tag without a shadow label is the primary's own (a decision made before the shadow was
    // added): handed to it whole, so that a composite primary finds its arm or label in it.
    const primaryTag = ours ? inner[0] : update.tag;
    const result = this.#primary.update(primaryTag === undefined ? rest : { ...rest, tag: primaryTag });
    this.#shadow.update(!ours || inner[1] === undefined ? rest : { ...rest, tag: inner[1] });
    if (update.attempt === true) return result;
    const judged = update.judgedReward ?? update.reward;
    if (label === "agree") this.#agreed.push(judged);
    else if (label === "differ") this.#differed.push(judged);
    else this.#unattributed++;
    this.#rewards.push(judged);
    return result;
  }

  stats(): StrategistStats {
    const primary = this.#primary.stats();
    return {
      epsilon: primary.epsilon,
      decision_count: this.#decisionCount,
      q_states: primary.q_states,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
      shadow: {
        name: this.#shadow.name,
        decisions: this.#decisionCount,
        agreements: this.#agreements,
        agreement_share: this.#decisionCount > 0 ? this.#agreements / this.#decisionCount : 0,
        agreed_rewards: this.#agreed.summary(Z_95),
        differed_rewards: this.#differed.summary(Z_95),
        shadow_estimate: this.#shadowEstimate.summary(Z_95),
        unattributed_rewards: this.#unattributed,
        primary,
        shadow: this.#shadow.stats(),
      },
    };
  }

  toJSON(): ShadowSnapshot {
    return this.#json((policy) => policy.toJSON()) as ShadowSnapshot;
  }

  /** `toJSON()` as of now, each inner policy by its own cheap copy where it has one (see `innerSnapshot`). */
  snapshot(): object {
    return this.#json(innerSnapshot);
  }

  #json(inner: (policy: Policy) => unknown): object {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: { ...this.#configs },
      decision_count: this.#decisionCount,
      agreements: this.#agreements,
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
      unattributed_rewards: this.#unattributed,
      agreed_rewards: this.#agreed.toJSON(),
      differed_rewards: this.#differed.toJSON(),
      shadow_estimate: this.#shadowEstimate.toJSON(),
      primary: inner(this.#primary),
      shadow: inner(this.#shadow),
    };
  }

  #restore(snapshot: Record<string, unknown>): void {
    this.#decisionCount = requireCount(own(snapshot, "decision_count"), "decision_count");
    this.#agreements = requireCount(own(snapshot, "agreements"), "agreements");
    this.#unattributed = requireCount(own(snapshot, "unattributed_rewards"), "unattributed_rewards");
    const history = requireRewards(own(snapshot, "reward_history"), "reward_history");
    this.#rewards = new RewardHistory(
      REWARD_HISTORY_LIMIT,
      history,
      requireCount(own(snapshot, "total_rewards"), "total_rewards"),
    );
    this.#agreed = RunningStats.fromJSON(own(snapshot, "agreed_rewards"), "agreed_rewards");
    this.#differed = RunningStats.fromJSON(own(snapshot, "differed_rewards"), "differed_rewards");
    this.#shadowEstimate = RunningStats.fromJSON(own(snapshot, "shadow_estimate"), "shadow_estimate");
  }
}
