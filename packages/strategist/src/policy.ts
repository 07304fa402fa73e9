import type { Context, Outcome, Provider } from "@aurora/domain";
import type { AbSplitSnapshot, AbSplitStats } from "./ab-split-policy.js";
import type { GuardrailSnapshot, GuardrailStats } from "./guardrail-policy.js";
import type { LearningPolicySnapshot } from "./learning-policy-snapshot.js";
import type { QLearningSnapshot } from "./model-snapshot.js";
import type { RuleSnapshot } from "./rule-policy.js";
import type { ShadowSnapshot, ShadowStats } from "./shadow-policy.js";

export interface ChooseRequest {
  /** The seed's state key, `workload_type:gpu_type:region`. */
  stateKey: string;
  /** The job's context, already validated. */
  context: Context;
  /** Non-empty, distinct ids, already filtered by constraints: the pick is always one of these. */
  candidates: readonly Provider[];
  /** Ψ density in [0, 1]; absent means no Ψ adjustment. */
  psiDensity?: number;
}

/** `"baseline"`: a guardrail played its baseline's pick instead of the policy's. */
export type DecisionMode = "explore" | "exploit" | "baseline";

export interface Choice {
  /** Index of the pick in `request.candidates`. */
  index: number;
  providerId: string;
  mode: DecisionMode;
  /** The policy's value estimate for the pick (the Q-value for Q-learning). */
  estimate: number;
  /** The exploration rate used for this decision, after the Ψ adjustment. */
  epsilon: number;
  /** Probability that this policy picks this provider from these candidates, in (0, 1]. */
  probability: number;
  /**
   * `false` when `probability` is only a lower bound of that probability: an A/B split (`ab`,
   * `assignment: "decision"`) one of whose arms did not choose and could not state its
   * probabilities for the request (`thompson`, `lin-thompson`, or a split, shadow or guardrail
   * over one of those: see `Policy.probabilities`) counts that arm's share as 0. Absent
   * otherwise (`thompson` and `lin-thompson` report Monte Carlo estimates, unflagged).
   */
  probabilityExact?: false;
  /**
   * An estimate of 1/`probability` whose mean is 1/probability, for importance weights, where
   * `probability` is itself a Monte Carlo estimate (`thompson`, `lin-thompson`): the number of
   * further posterior draws until the pick wins again (geometric resampling, Neu & Bartók 2013),
   * at most a limit (so a pick rarer than 1/limit still weighs too little). Off-policy estimators
   * should weigh by it where present: 1/`probability` is biased low for rare picks. Absent where
   * `probability` is exact, and dropped by a composite that mixes it into another probability.
   */
  inverseProbability?: number;
  /**
   * Which arm or inner policy made the choice, for composite policies (A/B split, shadow,
   * guardrail). The engine keeps it with the decision and hands it back in `RewardUpdate.tag`.
   */
  tag?: string;
  /**
   * The string the policy keeps for this state, equal to `request.stateKey`, when it keeps one.
   * A caller that holds on to the state key (the engine's decision records do, for thousands of
   * decisions) can hold this one instead of its own, which then dies young: with a million states
   * the request's own copies were ~45 bytes a decision promoted to the old generation, and the
   * major collections they brought on cost more than the decision.
   */
  stateKey?: string;
}

export interface RewardUpdate {
  stateKey: string;
  context: Context;
  /** The provider the outcome is for, as advertised at decision time. */
  provider: Provider;
  /** A finite number. */
  reward: number;
  /** The `Choice.tag` of the decision this reward is for, when the policy set one. */
  tag?: string;
  /**
   * The outcome the reward was computed from, when the caller has it (the engine passes it).
   * Policies that learn success and the rest of the reward apart read `success` from it;
   * without it they take a reward equal to the failure reward as a failure.
   */
  outcome?: Pick<Outcome, "success" | "actual_cost_usd" | "actual_latency_ms">;
  /**
   * `true` when no feedback came: the reward is the engine's `defaultReward` for a decision whose
   * wait ran out. It is learned as any reward, but ε-greedy policies do not decay ε for it (ε
   * decays once per accepted feedback: synthetic rewards are not evidence that exploring can stop).
   */
  settled?: boolean;
  /**
   * `true` for a provider that failed before the one the job ended on, within the same decision
   * (the outcome's `failed_before`, a router failing over through the alternatives): learned as a
   * failure for that provider, but it is not a feedback: ε does not decay for it, and it counts in
   * no reward statistics (`total_rewards`, `avg_reward_100`, an A/B arm's or a guardrail's rewards).
   */
  attempt?: boolean;
  /**
   * What the decision's pick earned, when that differs from `reward`: the failure reward when the
   * chosen provider failed first and the job ended on a fallback (the outcome's `failed_before`
   * names it). Statistics that judge a policy's picks count it in place of `reward`: an A/B arm's
   * and a shadow's rewards, a guardrail's evidence. What is learned is `reward`, for `provider`.
   */
  judgedReward?: number;
}

/**
 * What was recorded of a decision made earlier, for `Policy.replay`. The engine's decision record
 * holds it: the provider played (`provider_id`), the choice's tag (`metadata.arm`) and its ε
 * (`metadata.epsilon`).
 */
export interface RecordedChoice {
  /**
   * The provider this policy picked. A composite leaves it out for an inner policy whose pick is
   * not known (a shadow's pick where it differed, the side of a guardrail that was not played).
   */
  providerId?: string;
  /** The `Choice.tag` this policy gave the decision, when it gave one. */
  tag?: string;
  /**
   * The `Choice.epsilon` reported (`metadata.epsilon`), for the policy whose pick was played: the
   * Thompson and softmax policies report it again as their last decision's ε.
   */
  epsilon?: number;
}

/** The estimate for (state, provider) before and after learning one reward. */
export interface UpdateResult {
  before: number;
  after: number;
}

/** The seed's status keys, snake_case as in its `get_status()`. */
export interface StrategistStats {
  /** The current (decayed) exploration rate, before any Ψ adjustment. */
  epsilon: number;
  /** `choose`/`recommend` calls. */
  decision_count: number;
  /** States in the table. */
  q_states: number;
  /** Mean of the last 100 rewards learned; 0 when none. */
  avg_reward_100: number;
  /** How many rewards were learned (a count, as the seed's status reports it). */
  total_rewards: number;
  /** Composite policies add their own report: an A/B split's arms, a shadow's agreement, a guardrail's trust. */
  ab?: AbSplitStats;
  shadow?: ShadowStats;
  guardrail?: GuardrailStats;
}

/** A policy's state as a plain JSON-serializable object (a union as more kinds arrive). */
export type PolicySnapshot =
  | QLearningSnapshot
  | RuleSnapshot
  | AbSplitSnapshot
  | ShadowSnapshot
  | GuardrailSnapshot
  | LearningPolicySnapshot;

/** A learning policy: picks a provider for a state and learns from rewards. */
export interface Policy {
  /** The registry kind, e.g. `"q-learning"`. */
  readonly name: string;
  /** Picks one candidate; counts one decision. */
  choose(request: ChooseRequest): Choice;
  /** The estimate for each candidate, in candidate order; no side effects. */
  estimate(request: ChooseRequest): number[];
  /**
   * Optional: the probability that `choose(request)` would pick each candidate, in candidate
   * order, summing to 1, without choosing — no side effects (nothing learned or counted, no
   * random draw, nothing `estimate` or `choose` keep for later changed). For the candidate
   * `choose` then picks, it equals that choice's `probability` exactly (the same arithmetic).
   * `undefined` when the policy cannot state it exactly for this request; policies with only a
   * Monte Carlo estimate (`thompson`, `lin-thompson`) do not have the method, and composites over
   * one of them (`ab`, `shadow`, `guardrail`) return `undefined`.
   */
  probabilities?(request: ChooseRequest): number[] | undefined;
  /**
   * Optional: repeats what `choose` did to the policy for a decision made earlier and recorded (a
   * restart replaying its journal, another replica's decision), taking the recorded choice instead
   * of drawing again: the composites count the decision on the arm or with the label its tag
   * names, and pass each inner policy its own part of the tag. Returns the choice replayed (a
   * composite's is that of the inner policy whose pick was played, with the recorded tag), or
   * `undefined` when the policy has no part in the record (an A/B split given a tag that names no
   * arm). The caller discards it; only a composite reads an inner estimate from it. Policies
   * without the method are replayed by `choose`, the pick discarded (see `replayDecision`).
   */
  replay?(request: ChooseRequest, recorded: RecordedChoice): Choice | undefined;
  /** Learns one reward (ε-greedy policies also decay ε once). */
  update(update: RewardUpdate): UpdateResult;
  stats(): StrategistStats;
  toJSON(): PolicySnapshot;
  /**
   * Optional: `toJSON()` as of now, cheap to take for a large model, for stores that write
   * snapshots a piece at a time (it may hold parts that write their own JSON, `JSON_PIECES`).
   * `JSON.stringify` of it must give `toJSON()`'s JSON up to key order.
   */
  snapshot?(): object;
}
