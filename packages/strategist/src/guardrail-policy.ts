import type { Rng } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { composeTag, parseTag } from "./choice-tag.js";
import type { EvidenceSide, EvidenceSummary, GuardrailEvidenceJson } from "./guardrail-evidence.js";
import { EvidenceByStateCopy, GuardrailEvidence } from "./guardrail-evidence.js";
import type { GuardrailOptions, GuardrailParams, GuardrailScope } from "./guardrail-options.js";
import { GUARDRAIL_OPTION_NAMES, resolveGuardrailParams } from "./guardrail-options.js";
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
import type { RunningStatsJson } from "./running-stats.js";
import { RunningStats } from "./running-stats.js";
import {
  isObject,
  own,
  refuseUnknownKeys,
  requireCount,
  requireFinite,
  requireRewards,
  requireSnapshotHead,
  withFieldPrefix,
} from "./snapshot-fields.js";

/** The baseline when none is configured: the weighted-score rule router. */
export const DEFAULT_BASELINE: Readonly<PolicyConfig> = Object.freeze({ kind: "rule" }) as PolicyConfig;

export interface GuardrailPolicyOptions extends Partial<GuardrailParams> {
  policy: Policy;
  baseline: Policy;
  /** Draws the evidence plays; defaults to `Math.random`. */
  rng?: Rng;
  /** The configs they were built from, kept in snapshots; default `{ kind: policy.name }`. */
  configs?: { policy?: PolicyConfig; baseline?: PolicyConfig };
}

export interface GuardrailStats {
  /** The baseline policy's name. */
  baseline: string;
  scope: GuardrailScope;
  decisions: number;
  /** Decisions made while the evidence trusted the policy in their state. */
  trusted_decisions: number;
  /** trusted_decisions / decisions (0 before the first). */
  trusted_share: number;
  /** Decisions where both picked the same provider. */
  agreements: number;
  /** Decisions where the picks differed and the policy's was played. */
  policy_plays: number;
  /** Decisions where the picks differed and the baseline's was played (`mode: "baseline"`). */
  baseline_plays: number;
  /** (agreements + policy_plays) / decisions: how often the provider played was the policy's pick. */
  policy_pick_share: number;
  /** Evidence over all states: rewards where the picks differed, by whose pick was played. */
  evidence: { policy: EvidenceSummary; baseline: EvidenceSummary; trusted: boolean };
  /** States with evidence of their own, and how many of those trust the policy by their own evidence. */
  states: number;
  trusted_states: number;
  /** Rewards without a guardrail tag (decisions made before it was on): learned, not used as evidence. */
  unattributed_rewards: number;
  /** The risk budget left, pessimism included, in reward units: tries of an untrusted policy need it positive (see `risk`). */
  risk_budget: number;
  policy: StrategistStats;
  baseline_policy: StrategistStats;
}

export interface GuardrailSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "guardrail";
  params: GuardrailParams & { policy: PolicyConfig; baseline: PolicyConfig };
  decision_count: number;
  trusted_decisions: number;
  agreements: number;
  policy_plays: number;
  baseline_plays: number;
  unattributed_rewards: number;
  /** The risk budget before its pessimism term, and how many policy plays it has been charged with. */
  risk_budget: number;
  risk_budget_plays: number;
  /** Every reward where the picks differed, both sides pooled (the budget's unit is their σ). */
  pooled_rewards: RunningStatsJson;
  total_rewards: number;
  reward_history: number[];
  evidence: { global: GuardrailEvidenceJson; states: Record<string, GuardrailEvidenceJson> };
  inner: { policy: PolicySnapshot; baseline: PolicySnapshot };
}

/** The evidence that spoke for a decision's state, and what it said. */
type DecisionEvidence =
  | { evidence: GuardrailEvidence; ready: true; trusted: boolean }
  | { evidence: GuardrailEvidence | undefined; ready: false; trusted: false };

function checkPolicy(policy: unknown, field: string): asserts policy is Policy {
  if (!policy || typeof (policy as Policy).choose !== "function") {
    throw ValidationError.forField(field, "must be a Policy (build it with createPolicy)");
  }
}

/**
 * A safety guardrail around any policy (registry kind `"guardrail"`, engine option
 * `guardrail`), after Vowpal Wabbit's baseline challenger: on every decision both the policy
 * and the baseline choose. Where they agree, that provider is played. Where they differ, the
 * policy's pick is played only if the evidence trusts it — the lower confidence bound of the
 * mean reward its picks earned beats the upper bound of the baseline picks' — except for a
 * `check` share that replays the baseline's pick to keep its evidence fresh; otherwise the
 * baseline's pick is played (`mode: "baseline"`), except for an `explore` share that tries
 * the policy's pick to gather evidence. Both policies learn from every outcome; the evidence
 * lives here, not in either policy, so any policy can be guarded.
 */
export class GuardrailPolicy implements Policy {
  readonly name = "guardrail" as const;
  readonly #policy: Policy;
  readonly #baseline: Policy;
  readonly #rng: Rng;
  readonly #params: GuardrailParams;
  readonly #configs: { policy: PolicyConfig; baseline: PolicyConfig };
  #global = new GuardrailEvidence();
  readonly #states = new Map<string, GuardrailEvidence>();
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #decisionCount = 0;
  #trustedDecisions = 0;
  #agreements = 0;
  #policyPlays = 0;
  #baselinePlays = 0;
  #unattributed = 0;
  /** Risk budget in reward units: earned per decision, spent (or grown) by what the policy's plays earn over the baseline's mean. */
  #budget = 0;
  #budgetPlays = 0;
  /** Every reward where the picks differed, both sides: its σ is the budget's unit. */
  #pooled = new RunningStats();

  constructor(options: GuardrailPolicyOptions) {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { policy, baseline, … }");
    refuseUnknownKeys(options, [...GUARDRAIL_OPTION_NAMES, "rng", "configs"], "a guardrail");
    checkPolicy(options.policy, "policy");
    checkPolicy(options.baseline, "baseline");
    if (options.rng !== undefined && typeof options.rng !== "function") {
      throw ValidationError.forField(
        "rng",
        "must be a function returning numbers in [0, 1), e.g. createRng(42) from @aurora/domain",
      );
    }
    const { policy, baseline, rng, configs, ...params } = options;
    this.#params = resolveGuardrailParams(params);
    this.#policy = policy;
    this.#baseline = baseline;
    this.#rng = rng ?? Math.random;
    this.#configs = {
      policy: configs?.policy ?? ({ kind: policy.name } as PolicyConfig),
      baseline: configs?.baseline ?? ({ kind: baseline.name } as PolicyConfig),
    };
  }

  /**
   * Builds the policy and the baseline from their configs (through `build`, the registry) and
   * resumes from `deps.snapshot`: a guardrail snapshot restores both and the evidence; any
   * other snapshot is taken as the guarded policy's own model (a guardrail switched on over an
   * existing model file) and the evidence starts empty.
   */
  static fromConfig(
    options: GuardrailOptions,
    deps: PolicyDeps,
    build: (config: PolicyConfig, deps: PolicyDeps) => Policy,
  ): GuardrailPolicy {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { policy, baseline?, … }");
    refuseUnknownKeys(options, GUARDRAIL_OPTION_NAMES, "a guardrail");
    const raw = deps.snapshot;
    const ours = isObject(raw) && own(raw, "policy") === "guardrail" ? requireSnapshotHead(raw, "guardrail") : undefined;
    const saved = ours && isObject(own(ours, "params")) ? (own(ours, "params") as Record<string, unknown>) : {};
    const innerKind =
      isObject(raw) && !ours && typeof own(raw, "policy") === "string" ? (own(raw, "policy") as string) : "q-learning";
    const policyConfig = (options.policy ?? own(saved, "policy") ?? { kind: innerKind }) as PolicyConfig;
    const baselineConfig = (options.baseline ?? own(saved, "baseline") ?? DEFAULT_BASELINE) as PolicyConfig;
    const params = resolveGuardrailParams({
      ...(ours ? resolveGuardrailParams(saved, "params") : {}),
      ...definedEntries(options),
    });
    const inner = ours && isObject(own(ours, "inner")) ? (own(ours, "inner") as Record<string, unknown>) : undefined;
    if (ours && (!inner || own(inner, "policy") === undefined || own(inner, "baseline") === undefined))
      throw ValidationError.forField("inner", "must be an object { policy, baseline } of the two policies' snapshots");
    const rng = deps.rng ? { rng: deps.rng } : {};
    const policySnapshot = inner ? own(inner, "policy") : raw;
    const policy = withFieldPrefix("policy", () => build(policyConfig, childDeps(deps, policySnapshot)));
    const baseline = withFieldPrefix("baseline", () =>
      build(baselineConfig, childDeps(deps, inner ? own(inner, "baseline") : undefined)),
    );
    const guardrail = new GuardrailPolicy({
      policy,
      baseline,
      ...params,
      ...rng,
      configs: { policy: policyConfig, baseline: baselineConfig },
    });
    if (ours) guardrail.#restore(ours);
    return guardrail;
  }

  /** Whether the evidence trusts the policy for this state now (no side effects). */
  trusts(stateKey: string): boolean {
    const evidence = this.#evidenceFor(stateKey);
    return evidence?.ready(this.#params.minSamples) === true && evidence.trusts(this.#params.z);
  }

  choose(request: ChooseRequest): Choice {
    const mine = this.#policy.choose(request);
    const theirs = this.#baseline.choose(request);
    const counted = this.#countDecision(request.stateKey);
    const { trusted } = counted;
    const q = this.#policyShare(counted, this.#budgetLeft());
    const tags = [mine.tag, theirs.tag];
    // The pick's estimate comes from the side `estimate` reads (the policy where trusted, the
    // baseline elsewhere), whichever side's pick is played: q_value and the ranked alternatives
    // are then in the same units.
    const estimateOf = (index: number, fromPolicy: boolean, own: number) =>
      fromPolicy === trusted ? own : ((trusted ? this.#policy : this.#baseline).estimate(request)[index] as number);
    if (mine.index === theirs.index) {
      this.#agreements++;
      const p = mine.probability;
      const b = theirs.probability;
      // Both pick it, or they differ and the one that picked it is played (picks independent).
      const probability = Math.min(1, p * b + q * p * (1 - b) + (1 - q) * b * (1 - p));
      // An inner inverseProbability estimates 1/its own probability, not 1/this mixture: dropped.
      const { inverseProbability: _, ...agreed } = mine;
      const inexact = theirs.probabilityExact === false ? { probabilityExact: false as const } : {};
      return {
        ...agreed,
        estimate: trusted ? mine.estimate : theirs.estimate,
        probability,
        ...inexact,
        tag: composeTag("agree", tags),
      };
    }
    if (this.#rng() < q) {
      this.#policyPlays++;
      const estimate = estimateOf(mine.index, true, mine.estimate);
      const b = this.#chanceOf(this.#baseline, theirs, mine.index, request);
      const { inverseProbability: _, probabilityExact: __, ...played } = mine;
      return {
        ...played,
        estimate,
        ...this.#playedProbability(mine, mine.probability, b, b, q, q),
        tag: composeTag("policy", tags),
      };
    }
    this.#baselinePlays++;
    const estimate = estimateOf(theirs.index, false, theirs.estimate);
    const p = this.#chanceOf(this.#policy, mine, theirs.index, request);
    const { inverseProbability: _, probabilityExact: __, ...played } = theirs;
    return {
      ...played,
      estimate,
      mode: "baseline",
      ...this.#playedProbability(theirs, p, theirs.probability, p, q, 1 - q),
      tag: composeTag("baseline", tags),
    };
  }

  /**
   * Repeats a recorded decision (see `Policy.replay`): counted with the label recorded (an
   * agreement, a play of the policy's pick or of the baseline's), without drawing which pick to
   * play; both sides replay their picks with their own parts of the tag (told the provider played
   * where it was theirs), and the decision counts as trusted, and earns its risk budget, as it
   * would now. A decision without a guardrail label was the guarded policy's alone (made before the
   * guardrail was switched on): the policy replays it whole, and nothing is counted here.
   */
  replay(request: ChooseRequest, recorded: RecordedChoice): Choice | undefined {
    const { label, inner } = parseTag(recorded.tag);
    if (label !== "agree" && label !== "policy" && label !== "baseline") {
      return replayDecision(this.#policy, request, recorded);
    }
    const { providerId, epsilon } = recorded;
    const mine = label === "baseline" ? innerRecord(inner[0]) : innerRecord(inner[0], providerId, epsilon);
    const theirs =
      label === "baseline"
        ? innerRecord(inner[1], providerId, epsilon)
        : innerRecord(inner[1], label === "agree" ? providerId : undefined);
    const policyChoice = replayDecision(this.#policy, request, mine);
    const baselineChoice = replayDecision(this.#baseline, request, theirs);
    this.#countDecision(request.stateKey);
    if (label === "agree") this.#agreements++;
    else if (label === "policy") this.#policyPlays++;
    else this.#baselinePlays++;
    const tag = recorded.tag as string;
    if (label !== "baseline") return policyChoice && { ...policyChoice, tag };
    return baselineChoice && { ...baselineChoice, mode: "baseline", tag };
  }

  /**
   * Each candidate's chance of being played if `choose` were called now, without counting anything
   * or drawing: p·b + q·p(1 − b) + (1 − q)·b(1 − p), p and b the policy's and the baseline's chances
   * of picking it (drawn independently) and q the chance of playing the policy's pick where the two
   * differ, with the risk budget this decision would earn. Undefined when a side cannot state its
   * own. Off-policy evaluation of a guardrail reads these rather than sampling `choose`, whose
   * every call earns budget and so would loosen the guardrail it is evaluating.
   */
  probabilities(request: ChooseRequest): number[] | undefined {
    const p = this.#policy.probabilities?.(request);
    const b = p && this.#baseline.probabilities?.(request);
    if (p === undefined || b === undefined) return undefined;
    const q = this.#policyShare(this.#judge(request.stateKey), this.#budgetLeft(this.#params.risk * this.#spread()));
    return p.map((pi, i) => {
      const bi = b[i] as number;
      return Math.min(1, pi * bi + q * pi * (1 - bi) + (1 - q) * bi * (1 - pi));
    });
  }

  /** P(play the policy's pick | the picks differ), for a decision judged as `judged` with `budgetLeft` to spend. */
  #policyShare(judged: DecisionEvidence, budgetLeft: number): number {
    const { check, explore, exploreMax } = this.#params;
    if (judged.trusted) return 1 - check;
    if (budgetLeft < 0) return 0;
    return Math.min(exploreMax, Math.max(explore, judged.ready ? judged.evidence.chanceBetter() : 0));
  }

  /** Whether the evidence for `stateKey` is ready, and trusts the policy, now. */
  #judge(stateKey: string): DecisionEvidence {
    const evidence = this.#evidenceFor(stateKey);
    const { minSamples, z } = this.#params;
    return evidence?.ready(minSamples) === true
      ? { evidence, ready: true, trusted: evidence.trusts(z) }
      : { evidence, ready: false, trusted: false };
  }

  /** Counts a decision in `stateKey` (trusted or not, by the evidence now) and earns its risk budget. */
  #countDecision(stateKey: string): DecisionEvidence {
    const judged = this.#judge(stateKey);
    this.#decisionCount++;
    if (judged.trusted) this.#trustedDecisions++;
    this.#budget += this.#params.risk * this.#spread();
    return judged;
  }

  /**
   * The chance that `side` (whose own pick was `choice`) picks candidate `index`, another than its
   * own: 0 when its pick was certain, else from its `probabilities`; undefined when it cannot say.
   */
  #chanceOf(side: Policy, choice: Choice, index: number, request: ChooseRequest): number | undefined {
    if (choice.probability >= 1) return 0;
    return side.probabilities?.(request)?.[index];
  }

  /**
   * The played pick's probability when the picks differed, the pick a candidate the policy picks
   * with p and the baseline with b: both pick it, or one does and is played,
   * p·b + q·p·(1 − b) + (1 − q)·b·(1 − p) (the picks are independent). When the other side's
   * chance is unknown, the share of the path played × the side's own probability, a lower bound,
   * flagged. The side's `inverseProbability` scales by 1/share only where that is exact (`other`,
   * the side not played, could not have picked it).
   */
  #playedProbability(
    played: Choice,
    p: number | undefined,
    b: number | undefined,
    other: number | undefined,
    q: number,
    share: number,
  ): { probability: number; inverseProbability?: number; probabilityExact?: false } {
    const inexact = played.probabilityExact === false ? { probabilityExact: false as const } : {};
    if (p === undefined || b === undefined) return { probability: share * played.probability, probabilityExact: false };
    const probability = Math.min(1, p * b + q * p * (1 - b) + (1 - q) * b * (1 - p));
    // With other = 0 the probability is share × the side's own: its weight estimate scales exactly.
    return other === 0 && played.inverseProbability !== undefined
      ? { probability, inverseProbability: played.inverseProbability / share, ...inexact }
      : { probability, ...inexact };
  }

  /** The policy's estimates where it is trusted, the baseline's elsewhere. */
  estimate(request: ChooseRequest): number[] {
    return (this.trusts(request?.stateKey) ? this.#policy : this.#baseline).estimate(request);
  }

  update(update: RewardUpdate): UpdateResult {
    requireRewardUpdate(update);
    const { label, inner } = parseTag(update.tag);
    const { tag: _, ...rest } = update;
    const ours = label === "agree" || label === "policy" || label === "baseline";
    // A tag without a guardrail label is the guarded policy's own (a decision made before the
    // guardrail was switched on): handed to it whole, so that an A/B split finds its arm in it.
    const policyTag = ours ? inner[0] : update.tag;
    const result = this.#policy.update(policyTag === undefined ? rest : { ...rest, tag: policyTag });
    this.#baseline.update(!ours || inner[1] === undefined ? rest : { ...rest, tag: inner[1] });
    // A failed attempt is learned by both, but the guardrail judges each decision by its one reward.
    if (update.attempt === true) return result;
    // A pick that failed first is judged by its failure, though the job ended well on a fallback.
    const judged = update.judgedReward ?? update.reward;
    if (label === "policy") this.#charge(update.stateKey, judged);
    if (label === "policy" || label === "baseline") this.#record(update.stateKey, label, judged);
    else if (label !== "agree") this.#unattributed++;
    this.#rewards.push(judged);
    return result;
  }

  stats(): StrategistStats {
    const policy = this.#policy.stats();
    const { z, minSamples } = this.#params;
    let trustedStates = 0;
    for (const evidence of this.#states.values()) if (evidence.ready(minSamples) && evidence.trusts(z)) trustedStates++;
    const decisions = this.#decisionCount;
    return {
      epsilon: policy.epsilon,
      decision_count: decisions,
      q_states: policy.q_states,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
      guardrail: {
        baseline: this.#baseline.name,
        scope: this.#params.scope,
        decisions,
        trusted_decisions: this.#trustedDecisions,
        trusted_share: decisions > 0 ? this.#trustedDecisions / decisions : 0,
        agreements: this.#agreements,
        policy_plays: this.#policyPlays,
        baseline_plays: this.#baselinePlays,
        policy_pick_share: decisions > 0 ? (this.#agreements + this.#policyPlays) / decisions : 0,
        evidence: {
          policy: this.#global.summary("policy", z),
          baseline: this.#global.summary("baseline", z),
          trusted: this.#global.ready(minSamples) && this.#global.trusts(z),
        },
        states: this.#states.size,
        trusted_states: trustedStates,
        unattributed_rewards: this.#unattributed,
        risk_budget: this.#budgetLeft(),
        policy,
        baseline_policy: this.#baseline.stats(),
      },
    };
  }

  toJSON(): GuardrailSnapshot {
    return this.#json((policy) => policy.toJSON()) as GuardrailSnapshot;
  }

  /**
   * `toJSON()` as of now, the policy and the baseline by their own cheap copies where they have
   * them (see `innerSnapshot`), and the per-state evidence copied into one typed array
   * (`EvidenceByStateCopy`), written in pieces.
   */
  snapshot(): object {
    return this.#json(innerSnapshot, new EvidenceByStateCopy(this.#states));
  }

  #json(inner: (policy: Policy) => unknown, states: unknown = this.#statesJson()): object {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: { ...this.#params, ...this.#configs },
      decision_count: this.#decisionCount,
      trusted_decisions: this.#trustedDecisions,
      agreements: this.#agreements,
      policy_plays: this.#policyPlays,
      baseline_plays: this.#baselinePlays,
      unattributed_rewards: this.#unattributed,
      risk_budget: this.#budget,
      risk_budget_plays: this.#budgetPlays,
      pooled_rewards: this.#pooled.toJSON(),
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
      evidence: { global: this.#global.toJSON(), states },
      inner: { policy: inner(this.#policy), baseline: inner(this.#baseline) },
    };
  }

  #statesJson(): Record<string, GuardrailEvidenceJson> {
    const states: Record<string, GuardrailEvidenceJson> = Object.create(null);
    for (const [stateKey, evidence] of this.#states) states[stateKey] = evidence.toJSON();
    return states;
  }

  /** σ of all rewards where the picks differed, both sides pooled: the budget's unit. */
  #spread(): number {
    return Math.sqrt(this.#pooled.variance);
  }

  /**
   * The budget with its pessimism term: earned − spent − z·σ·√plays, so that the noise in what
   * the policy's plays earned (each judged against the baseline's mean) does not buy tries;
   * `earned` adds what a decision not yet counted would earn (as `choose` would count it).
   */
  #budgetLeft(earned = 0): number {
    return this.#budget + earned - this.#params.z * this.#spread() * Math.sqrt(this.#budgetPlays);
  }

  /** The budget pays for the policy's plays: what each earned over the baseline's mean in its scope. */
  #charge(stateKey: string, reward: number): void {
    const baseline = (this.#evidenceFor(stateKey) ?? this.#global).side("baseline");
    if (baseline.effectiveCount === 0) return;
    this.#budget += reward - baseline.mean;
    this.#budgetPlays++;
  }

  /** The evidence that speaks for a state: its own once ready (scope permitting), else the global one. */
  #evidenceFor(stateKey: string): GuardrailEvidence | undefined {
    const { scope, minSamples } = this.#params;
    if (scope === "global") return this.#global;
    const local = this.#states.get(stateKey);
    if (scope === "state" || local?.ready(minSamples)) return local;
    return this.#global;
  }

  #record(stateKey: string, side: EvidenceSide, reward: number): void {
    const decay = this.#params.evidenceDecay;
    this.#pooled.push(reward, decay);
    this.#global.record(side, reward, decay);
    if (this.#params.scope === "global") return;
    let local = this.#states.get(stateKey);
    if (!local) {
      local = new GuardrailEvidence();
      this.#states.set(stateKey, local);
    }
    local.record(side, reward, decay);
  }

  #restore(snapshot: Record<string, unknown>): void {
    this.#decisionCount = requireCount(own(snapshot, "decision_count"), "decision_count");
    this.#trustedDecisions = requireCount(own(snapshot, "trusted_decisions"), "trusted_decisions");
    this.#agreements = requireCount(own(snapshot, "agreements"), "agreements");
    this.#policyPlays = requireCount(own(snapshot, "policy_plays"), "policy_plays");
    this.#baselinePlays = requireCount(own(snapshot, "baseline_plays"), "baseline_plays");
    this.#unattributed = requireCount(own(snapshot, "unattributed_rewards"), "unattributed_rewards");
    this.#budget = requireFinite(own(snapshot, "risk_budget"), "risk_budget");
    this.#budgetPlays = requireCount(own(snapshot, "risk_budget_plays"), "risk_budget_plays");
    this.#pooled = RunningStats.fromJSON(own(snapshot, "pooled_rewards"), "pooled_rewards");
    const history = requireRewards(own(snapshot, "reward_history"), "reward_history");
    this.#rewards = new RewardHistory(
      REWARD_HISTORY_LIMIT,
      history,
      requireCount(own(snapshot, "total_rewards"), "total_rewards"),
    );
    const evidence = own(snapshot, "evidence");
    if (!isObject(evidence)) throw ValidationError.forField("evidence", "must be an object { global, states }");
    this.#global = GuardrailEvidence.fromJSON(own(evidence, "global"), "evidence.global");
    const states = own(evidence, "states");
    if (!isObject(states)) throw ValidationError.forField("evidence.states", "must be an object: state key → evidence");
    for (const stateKey in states) {
      if (!Object.hasOwn(states, stateKey)) continue;
      this.#states.set(stateKey, GuardrailEvidence.fromJSON(states[stateKey], `evidence.states[${JSON.stringify(stateKey)}]`));
    }
  }
}

function definedEntries(object: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}
