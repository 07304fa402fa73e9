import type { Rng, ValidationIssue } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
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

/** How traffic is split: a fresh draw per decision, or a fixed arm per state key. */
export type AbAssignment = "decision" | "state";

/** One arm of an A/B split, as configured. */
export interface AbArmConfig {
  /** Letters, digits, `_ . : -`; it becomes `Choice.tag` and `metadata.arm`. */
  name: string;
  /** Share of traffic in (0, 1]; the arms' shares sum to 1. */
  share: number;
  policy: PolicyConfig;
}

/** Registry config: `{ kind: "ab", arms: [{ name, share, policy }, …] }`. */
export interface AbSplitOptions {
  /** Two or more arms. May be left out when resuming from a snapshot, which keeps them. */
  arms: AbArmConfig[];
  /** Default `"decision"`. */
  assignment?: AbAssignment;
  /** Mixed into the state-key hash for `assignment: "state"`, to reshuffle which states go where. Default `""`. */
  salt?: string;
}

/** One arm with a ready policy, for the constructor. */
export interface AbArm {
  name: string;
  share: number;
  policy: Policy;
  /** The config it was built from, kept in snapshots; default `{ kind: policy.name }`. */
  config?: PolicyConfig;
}

export interface AbSplitPolicyOptions {
  arms: AbArm[];
  assignment?: AbAssignment;
  salt?: string;
  /** Draws the arm per decision; defaults to `Math.random`. */
  rng?: Rng;
}

export interface AbArmStats {
  name: string;
  share: number;
  decisions: number;
  /** decisions / all decisions (0 before the first). */
  decision_share: number;
  /** Rewards of this arm's own decisions, with a 95% normal-approximation interval of their mean. */
  rewards: RewardSummary;
  policy: StrategistStats;
}

export interface AbSplitStats {
  assignment: AbAssignment;
  arms: AbArmStats[];
  /** Rewards whose tag named no arm (decisions made under another config): learned by none. */
  unattributed_rewards: number;
}

export interface AbSplitSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "ab";
  params: { assignment: AbAssignment; salt: string; arms: AbArmConfig[] };
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
  unattributed_rewards: number;
  arms: { name: string; decisions: number; rewards: RunningStatsJson; snapshot: PolicySnapshot }[];
}

const ARM_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const SHARE_TOLERANCE = 1e-9;
const OPTION_NAMES = ["arms", "assignment", "salt"];

interface ArmState {
  readonly name: string;
  readonly share: number;
  /** Upper end of this arm's slice of [0, 1). */
  readonly cumulative: number;
  readonly policy: Policy;
  readonly config: PolicyConfig;
  decisions: number;
  rewards: RunningStats;
}

/** Checks names and shares (not the inner policies): every problem is reported, each naming its field. */
function checkArms(arms: unknown): asserts arms is { name: string; share: number }[] {
  if (!Array.isArray(arms) || arms.length < 2) {
    throw ValidationError.forField(
      "arms",
      'must list two or more arms such as [{ name: "learned", share: 0.2, policy: { kind: "q-learning" } }, { name: "rule", share: 0.8, policy: { kind: "rule" } }]',
    );
  }
  const issues: ValidationIssue[] = [];
  const names = new Set<string>();
  let total = 0;
  arms.forEach((arm: unknown, i) => {
    if (!isObject(arm)) {
      issues.push({ field: `arms[${i}]`, message: "must be an object { name, share, policy }" });
      return;
    }
    const name = own(arm, "name");
    if (typeof name !== "string" || !ARM_NAME.test(name)) {
      issues.push({ field: `arms[${i}].name`, message: "must be 1–64 letters, digits or _ . : - (it becomes metadata.arm)" });
    } else if (names.has(name)) {
      issues.push({ field: `arms[${i}].name`, message: `"${name}" is used twice: each arm needs its own name` });
    } else {
      names.add(name);
    }
    const share = own(arm, "share");
    if (typeof share !== "number" || !(share > 0 && share <= 1)) {
      issues.push({ field: `arms[${i}].share`, message: `must be a number greater than 0 and at most 1, got ${String(share)}` });
    } else {
      total += share;
    }
    for (const key of Object.keys(arm)) {
      if (!["name", "share", "policy", "config"].includes(key)) {
        issues.push({ field: `arms[${i}].${key}`, message: "is not an arm field: use name, share, policy" });
      }
    }
  });
  if (issues.length === 0 && Math.abs(total - 1) > SHARE_TOLERANCE) {
    issues.push({ field: "arms", message: `the shares must sum to 1, but they sum to ${total}` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

function checkAssignment(assignment: unknown): AbAssignment {
  if (assignment === undefined) return "decision";
  if (assignment !== "decision" && assignment !== "state") {
    throw ValidationError.forField(
      "assignment",
      `must be "decision" (a draw per decision) or "state" (sticky per state key), got ${JSON.stringify(assignment)}`,
    );
  }
  return assignment;
}

function checkSalt(salt: unknown): string {
  if (salt === undefined) return "";
  if (typeof salt !== "string") throw ValidationError.forField("salt", "must be a string");
  return salt;
}

/** A point in [0, 1) fixed by the state key: FNV-1a (32-bit) over the salt, a NUL and the key's UTF-16 units. */
export function stickyPoint(stateKey: string, salt = ""): number {
  let hash = 0x811c9dc5;
  const text = `${salt}\u0000${stateKey}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 4294967296;
}

/**
 * An A/B split (registry kind `"ab"`): each decision goes to one arm, drawn with the arm's
 * share (or fixed per state key), and that arm's policy chooses. `Choice.tag` is the arm's
 * name; a reward goes only to the arm whose decision it is for.
 *
 * Propensity, per-decision assignment: the chance that the split picks this provider, whichever
 * arm picks it, Σₖ shareₖ·πₖ(provider) — the arm that chose contributes its share × its own
 * reported probability, every other arm its share × its `probabilities(request)` entry. An arm
 * that cannot state its probabilities (`thompson`, `lin-thompson`, or a split, shadow or guardrail
 * over one of those) and did not choose counts as 0: the
 * propensity is then a lower bound, exact only if that arm never picks this provider, and the
 * choice says so with `probabilityExact: false`. Per state: the state's arm's own propensity
 * (the arm is not random there).
 */
export class AbSplitPolicy implements Policy {
  readonly name = "ab" as const;
  readonly #arms: ArmState[];
  readonly #assignment: AbAssignment;
  readonly #salt: string;
  readonly #rng: Rng;
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #decisionCount = 0;
  #unattributed = 0;
  /** The arm of the latest `choose`: `estimate` reads its policy. */
  #lastArm: ArmState;

  constructor(options: AbSplitPolicyOptions) {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { arms, assignment?, salt?, rng? }");
    refuseUnknownKeys(options, [...OPTION_NAMES, "rng"], "an ab");
    checkArms(options.arms);
    options.arms.forEach((arm, i) => {
      if (!arm.policy || typeof arm.policy.choose !== "function") {
        throw ValidationError.forField(`arms[${i}].policy`, "must be a Policy (build it with createPolicy)");
      }
    });
    if (options.rng !== undefined && typeof options.rng !== "function") {
      throw ValidationError.forField(
        "rng",
        "must be a function returning numbers in [0, 1), e.g. createRng(42) from @aurora/domain",
      );
    }
    this.#assignment = checkAssignment(options.assignment);
    this.#salt = checkSalt(options.salt);
    this.#rng = options.rng ?? Math.random;
    let cumulative = 0;
    this.#arms = options.arms.map((arm) => {
      cumulative += arm.share;
      return {
        name: arm.name,
        share: arm.share,
        cumulative,
        policy: arm.policy,
        config: arm.config ?? ({ kind: arm.policy.name } as PolicyConfig),
        decisions: 0,
        rewards: new RunningStats(),
      };
    });
    this.#lastArm = this.#arms[0] as ArmState;
  }

  /** Builds the arms' policies from their configs (through `build`, the registry) and resumes from `deps.snapshot`. */
  static fromConfig(
    options: AbSplitOptions,
    deps: PolicyDeps,
    build: (config: PolicyConfig, deps: PolicyDeps) => Policy,
  ): AbSplitPolicy {
    if (!isObject(options)) throw ValidationError.forField("(root)", "must be an object { arms, assignment?, salt? }");
    refuseUnknownKeys(options, OPTION_NAMES, "an ab");
    const { snapshot, saved } = resumedSnapshot(deps.snapshot, "ab");
    const arms = (options.arms ?? own(saved, "arms")) as AbArmConfig[];
    checkArms(arms);
    const savedArms = snapshot ? own(snapshot, "arms") : undefined;
    if (snapshot && !Array.isArray(savedArms))
      throw ValidationError.forField("arms", "must be an array of the arms' saved states");
    const savedByName = new Map<string, Record<string, unknown>>();
    (savedArms as unknown[] | undefined)?.forEach((arm, i) => {
      if (!isObject(arm) || typeof own(arm, "name") !== "string")
        throw ValidationError.forField(`arms[${i}]`, "must be an object { name, decisions, rewards, snapshot }");
      savedByName.set(own(arm, "name") as string, arm);
    });
    // An arm the snapshot's own config lists must have its saved state (an arm the config adds starts fresh).
    const savedConfigs = own(saved, "arms");
    const listed = new Set(
      Array.isArray(savedConfigs) ? savedConfigs.map((arm) => (isObject(arm) ? own(arm, "name") : undefined)) : [],
    );
    const policy = new AbSplitPolicy({
      arms: arms.map((arm, i) => {
        const savedArm = savedByName.get(arm.name);
        if (snapshot && listed.has(arm.name) && (savedArm === undefined || own(savedArm, "snapshot") === undefined)) {
          throw ValidationError.forField(
            savedArm === undefined ? "arms" : `arms[${i}].snapshot`,
            `lacks the saved state of arm ${JSON.stringify(arm.name)}, which the snapshot's params list: it would start again from nothing`,
          );
        }
        const child = withFieldPrefix(`arms[${i}].policy`, () =>
          build(arm.policy, childDeps(deps, savedArm ? own(savedArm, "snapshot") : undefined)),
        );
        return { name: arm.name, share: arm.share, policy: child, config: arm.policy };
      }),
      assignment: (options.assignment ?? own(saved, "assignment")) as AbAssignment | undefined,
      salt: (options.salt ?? own(saved, "salt")) as string | undefined,
      ...(deps.rng ? { rng: deps.rng } : {}),
    });
    if (snapshot) policy.#restore(snapshot, savedByName);
    return policy;
  }

  choose(request: ChooseRequest): Choice {
    const point = this.#assignment === "state" ? stickyPoint(request?.stateKey, this.#salt) : this.#rng();
    const arm = this.#armAt(point);
    const choice = arm.policy.choose(request);
    arm.decisions++;
    this.#decisionCount++;
    this.#lastArm = arm;
    if (this.#assignment === "state") return { ...choice, tag: composeTag(arm.name, [choice.tag]) };
    let probability = 0;
    let exact = choice.probabilityExact !== false;
    for (const other of this.#arms) {
      if (other === arm) {
        probability += other.share * choice.probability;
        continue;
      }
      const probabilities = other.policy.probabilities?.(request);
      if (probabilities === undefined) exact = false;
      else probability += other.share * (probabilities[choice.index] as number);
    }
    // The arm's inverseProbability estimates 1/its own probability, not 1/the mixture: dropped.
    const { inverseProbability: _, ...chosen } = choice;
    return {
      ...chosen,
      probability: Math.min(1, probability),
      tag: composeTag(arm.name, [choice.tag]),
      ...(exact ? {} : { probabilityExact: false as const }),
    };
  }

  /**
   * Repeats a recorded decision (see `Policy.replay`): counted on the arm its tag names, without a
   * draw, and replayed by that arm's policy with the arm's own part of the tag. A tag that names no
   * arm (a decision made by an arm since removed, or before the split) is counted nowhere, as its
   * reward is learned by none.
   */
  replay(request: ChooseRequest, recorded: RecordedChoice): Choice | undefined {
    const { label, inner } = parseTag(recorded.tag);
    const arm = this.#arms.find((a) => a.name === label);
    if (!arm) return undefined;
    const choice = replayDecision(arm.policy, request, innerRecord(inner[0], recorded.providerId, recorded.epsilon));
    arm.decisions++;
    this.#decisionCount++;
    this.#lastArm = arm;
    return choice && { ...choice, tag: recorded.tag as string };
  }

  /**
   * Each candidate's chance of being picked: Σₖ shareₖ·πₖ over the arms (per decision), the
   * state's arm's (per state). Undefined when an arm it needs cannot state its probabilities.
   */
  probabilities(request: ChooseRequest): number[] | undefined {
    if (this.#assignment === "state") {
      return this.#armAt(stickyPoint(request?.stateKey, this.#salt)).policy.probabilities?.(request);
    }
    let mixture: number[] | undefined;
    for (const arm of this.#arms) {
      const probabilities = arm.policy.probabilities?.(request);
      if (probabilities === undefined) return undefined;
      if (mixture === undefined) mixture = probabilities.map((p) => arm.share * p);
      else
        for (let i = 0; i < mixture.length; i++) mixture[i] = (mixture[i] as number) + arm.share * (probabilities[i] as number);
    }
    return (mixture as number[]).map((p) => Math.min(1, p));
  }

  /**
   * The estimates of the state's arm (assignment per state), else of the arm that made the
   * latest choice (the first arm before any): the engine ranks alternatives right after choosing.
   */
  estimate(request: ChooseRequest): number[] {
    const arm = this.#assignment === "state" ? this.#armAt(stickyPoint(request?.stateKey, this.#salt)) : this.#lastArm;
    return arm.policy.estimate(request);
  }

  /** The arm whose slice of [0, 1) holds `point` (the last arm if rounding left a gap at 1). */
  #armAt(point: number): ArmState {
    const arms = this.#arms;
    for (const arm of arms) if (point < arm.cumulative) return arm;
    return arms[arms.length - 1] as ArmState;
  }

  update(update: RewardUpdate): UpdateResult {
    requireRewardUpdate(update);
    const { label, inner } = parseTag(update.tag);
    const arm = this.#arms.find((a) => a.name === label);
    if (!arm) {
      // Learned by no arm; its value as the first arm sees it (none without a context to judge by).
      const [value] =
        update.context === undefined
          ? [undefined]
          : (this.#arms[0] as ArmState).policy.estimate({
              stateKey: update.stateKey,
              context: update.context,
              candidates: [update.provider],
            });
      if (update.attempt !== true) {
        this.#unattributed++;
        this.#rewards.push(update.judgedReward ?? update.reward);
      }
      return { before: value ?? 0, after: value ?? 0 };
    }
    const { tag: _, ...rest } = update;
    const result = arm.policy.update(inner[0] === undefined ? rest : { ...rest, tag: inner[0] });
    if (update.attempt !== true) {
      const judged = update.judgedReward ?? update.reward;
      arm.rewards.push(judged);
      this.#rewards.push(judged);
    }
    return result;
  }

  stats(): StrategistStats {
    let epsilon = 0;
    let qStates = 0;
    const arms = this.#arms.map((arm): AbArmStats => {
      const policy = arm.policy.stats();
      epsilon += arm.share * policy.epsilon;
      qStates += policy.q_states;
      return {
        name: arm.name,
        share: arm.share,
        decisions: arm.decisions,
        decision_share: this.#decisionCount > 0 ? arm.decisions / this.#decisionCount : 0,
        rewards: arm.rewards.summary(Z_95),
        policy,
      };
    });
    return {
      epsilon,
      decision_count: this.#decisionCount,
      q_states: qStates,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
      ab: { assignment: this.#assignment, arms, unattributed_rewards: this.#unattributed },
    };
  }

  toJSON(): AbSplitSnapshot {
    return this.#json((policy) => policy.toJSON()) as AbSplitSnapshot;
  }

  /** `toJSON()` as of now, each arm's policy by its own cheap copy where it has one (see `innerSnapshot`). */
  snapshot(): object {
    return this.#json(innerSnapshot);
  }

  #json(inner: (policy: Policy) => unknown): object {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: {
        assignment: this.#assignment,
        salt: this.#salt,
        arms: this.#arms.map((arm) => ({ name: arm.name, share: arm.share, policy: arm.config })),
      },
      decision_count: this.#decisionCount,
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
      unattributed_rewards: this.#unattributed,
      arms: this.#arms.map((arm) => ({
        name: arm.name,
        decisions: arm.decisions,
        rewards: arm.rewards.toJSON(),
        snapshot: inner(arm.policy),
      })),
    };
  }

  #restore(snapshot: Record<string, unknown>, savedByName: Map<string, Record<string, unknown>>): void {
    this.#decisionCount = requireCount(own(snapshot, "decision_count"), "decision_count");
    this.#unattributed = requireCount(own(snapshot, "unattributed_rewards"), "unattributed_rewards");
    const history = requireRewards(own(snapshot, "reward_history"), "reward_history");
    this.#rewards = new RewardHistory(
      REWARD_HISTORY_LIMIT,
      history,
      requireCount(own(snapshot, "total_rewards"), "total_rewards"),
    );
    this.#arms.forEach((arm) => {
      const saved = savedByName.get(arm.name);
      if (!saved) return;
      const at = `arms[${JSON.stringify(arm.name)}]`;
      arm.decisions = requireCount(own(saved, "decisions"), `${at}.decisions`);
      arm.rewards = RunningStats.fromJSON(own(saved, "rewards"), `${at}.rewards`);
    });
  }
}
