import type { ValidationIssue } from "@aurora/domain";
import { MAX_PROVIDERS_PER_REQUEST, MAX_REWARD_MAGNITUDE, ValidationError } from "@aurora/domain";

/** The Q-learning hyperparameters, all resolved. */
export interface QLearningParams {
  /** Exploration rate ε in [0, 1]. Default 0.1. */
  epsilon: number;
  /** ε is multiplied by this once per learned reward, in (0, 1]. Default 0.995. */
  epsilonDecay: number;
  /** The floor ε decays to, in [0, 1]. Default 0.01. */
  epsilonMin: number;
  /** Learning rate α in (0, 1]. Default 0.1. */
  alpha: number;
  /** Discount γ in [0, 1); 0 makes the update a pure bandit update. Default 0.95. */
  gamma: number;
  /** The value a provider starts at in a state where it has none yet. Default 0 (the seed's). */
  initialQ: number;
  /**
   * Most providers the Q-table keeps values for, ≥ 10,000 (the most candidates one request may
   * name). Past it, the providers least recently among the candidates are forgotten, an eighth of
   * them at a time, so provider ids that keep changing (leases, instances) do not grow the table
   * for good. Default 10,000. A limit on memory, not a hyperparameter: not kept in the model file.
   */
  maxProviders: number;
}

/** The Q-learning hyperparameters a caller may set; each one left out takes its default. */
export type QLearningOptions = Partial<QLearningParams>;

/** The Q-table must hold at least as many providers as one request may name. */
const MIN_MAX_PROVIDERS = MAX_PROVIDERS_PER_REQUEST;

interface ParamRule {
  readonly default: number;
  readonly accepts: (value: number) => boolean;
  readonly message: string;
}

/** Each hyperparameter's default, the values it accepts, and what to do when it is wrong. */
const qLearningParamRules: { readonly [K in keyof QLearningParams]: ParamRule } = {
  epsilon: {
    default: 0.1,
    accepts: (v) => v >= 0 && v <= 1,
    message: "must be a number from 0 to 1 (the exploration rate ε)",
  },
  epsilonDecay: {
    default: 0.995,
    accepts: (v) => v > 0 && v <= 1,
    message: "must be a number greater than 0 and at most 1 (ε is multiplied by it once per learned reward)",
  },
  epsilonMin: {
    default: 0.01,
    accepts: (v) => v >= 0 && v <= 1,
    message: "must be a number from 0 to 1 (the floor ε decays to)",
  },
  alpha: {
    default: 0.1,
    accepts: (v) => v > 0 && v <= 1,
    message: "must be a number greater than 0 and at most 1 (the learning rate α; at 0 nothing would be learned)",
  },
  gamma: {
    default: 0.95,
    accepts: (v) => v >= 0 && v < 1,
    message:
      "must be a number from 0 up to, but not including, 1 (the discount γ; at 1 the seed's same-state " +
      "bootstrap grows without bound)",
  },
  initialQ: {
    default: 0,
    accepts: (v) => Number.isFinite(v) && Math.abs(v) <= MAX_REWARD_MAGNITUDE,
    message: "must be a number within ±1e16, as a reward is (the value a provider starts at in a state where it has none yet)",
  },
  maxProviders: {
    default: MIN_MAX_PROVIDERS,
    accepts: (v) => Number.isSafeInteger(v) && v >= MIN_MAX_PROVIDERS,
    message: `must be a whole number ≥ ${MIN_MAX_PROVIDERS} (the most providers the Q-table keeps values for; one request may name ${MIN_MAX_PROVIDERS})`,
  },
};

const paramNames = Object.keys(qLearningParamRules) as (keyof QLearningParams)[];

function defaults(): QLearningParams {
  const params = {} as QLearningParams;
  for (const name of paramNames) params[name] = qLearningParamRules[name].default;
  return params;
}

export const Q_LEARNING_DEFAULTS: Readonly<QLearningParams> = Object.freeze(defaults());

function fieldName(name: string, root: string | undefined): string {
  return root ? `${root}.${name}` : name;
}

function unknownOptionMessage(key: string): string {
  const camel = key.replace(/_([a-z])/gi, (_, c: string) => c.toUpperCase()).replace(/_q$/i, "Q");
  const hint = (paramNames as string[]).includes(camel) ? `did you mean ${camel}? ` : "";
  return `is not a q-learning option: ${hint}use ${paramNames.join(", ")}`;
}

/**
 * Validates the options and fills in defaults. Every problem is reported, each naming its
 * option (prefixed with `root`, e.g. `params.alpha`, when given); `undefined` means "use the default".
 */
export function resolveQLearningOptions(input: unknown, root?: string): QLearningParams {
  if (input === undefined) return { ...Q_LEARNING_DEFAULTS };
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw ValidationError.forField(root ?? "(root)", "must be an object of q-learning options such as { epsilon: 0.1 }");
  }
  const issues: ValidationIssue[] = [];
  const params = { ...Q_LEARNING_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(qLearningParamRules, key)) {
      issues.push({ field: fieldName(key, root), message: unknownOptionMessage(key) });
      continue;
    }
    if (value === undefined) continue;
    const rule = qLearningParamRules[key as keyof QLearningParams];
    if (typeof value !== "number" || !rule.accepts(value)) {
      issues.push({ field: fieldName(key, root), message: `${rule.message}, got ${describeValue(value)}` });
      continue;
    }
    params[key as keyof QLearningParams] = value;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return params;
}

function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value;
}
