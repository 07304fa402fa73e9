import { contextSchema, idSchema, MAX_REWARD_MAGNITUDE, outcomeSchema, providersSchema } from "@aurora/domain";
import { z } from "zod";

/**
 * How a logged decision's reward became known: `feedback` — an outcome arrived; `expired` —
 * its reward wait passed; `evicted` — the engine's pending log was full and it was the oldest.
 * Settled decisions carry the engine's `defaultReward`, or `null` when the engine drops them.
 */
export const RESOLUTIONS = ["feedback", "expired", "evicted"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** What happened to the job, as fed back: the domain outcome without its `decision_id` (the line has it). */
export const loggedOutcomeSchema = outcomeSchema.omit({ decision_id: true });
export type LoggedOutcome = z.output<typeof loggedOutcomeSchema>;

/**
 * The smallest propensity a log line may carry, and the largest `inverse_propensity`: an
 * importance weight w is at most 1e100, so w² ≤ 1e200 and sums of squares over any log stay
 * finite (below ~1.8e308 until 1e108 lines), as do (w·r)² ≤ 1e232 with |r| ≤ 1e16. The engine
 * logs nothing near them: ε-greedy's smallest propensity is ε/n (n ≤ 10,000 candidates), a Monte
 * Carlo one (`thompson`) at least 1/(draws + 1) with draws ≤ 100,000, and `inverse_propensity` is
 * a geometric resampling count of at most 100,000 draws (`@aurora/strategist`), divided by a
 * guardrail's share of the path played where that is exact. A pick of probability below 1e-100,
 * or a share that small, is never drawn: a line claiming one is damaged.
 */
export const MIN_PROPENSITY = 1e-100;
/** See {@link MIN_PROPENSITY}. */
export const MAX_INVERSE_PROPENSITY = 1e100;

/** A reward as a line carries it: finite, within ±1e16 (`MAX_REWARD_MAGNITUDE`), the largest the engine learns or logs. */
const loggedReward = (notANumber: string) =>
  z
    .number({ error: notANumber })
    .finite({ error: "must be finite" })
    .min(-MAX_REWARD_MAGNITUDE, { error: "must be within ±1e16 (the largest reward the engine learns)" })
    .max(MAX_REWARD_MAGNITUDE, { error: "must be within ±1e16 (the largest reward the engine learns)" });

/**
 * One line of a decision log (JSONL): one decision with its propensity, the candidates it was
 * chosen from and its reward. The single source of truth for the engine's `DecisionLogWriter`
 * and for every reader here; unknown keys are ignored, so later writers may add fields.
 */
export const decisionLogLineSchema = z
  .object({
    decision_id: idSchema,
    /** When the decision was made, ISO 8601 in UTC. */
    timestamp: z.iso.datetime({ error: "must be an ISO 8601 date-time such as 2025-01-31T12:00:00.000Z" }),
    /** `workload_type:gpu_type:region`; the reward model groups by it. */
    state_key: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
    context: contextSchema,
    /** The providers the policy chose from (already filtered by constraints), in the order it saw them. */
    candidates: providersSchema,
    /** `provider_id` of the chosen candidate. */
    chosen: idSchema,
    /** Probability with which the logging policy chose `chosen` from `candidates`, in (0, 1]. */
    propensity: z
      .number({ error: "must be a number in (0, 1] (the probability the logging policy chose this provider)" })
      .gt(0, { error: "must be > 0: a choice made with probability 0 cannot be reweighted" })
      .min(MIN_PROPENSITY, {
        error: `must be at least 1e-100: a pick less likely than that is never drawn, and its importance weight would overflow the estimators' sums of squares`,
      })
      .max(1, { error: "must be at most 1" }),
    /** The logging policy's registry kind, e.g. `q-learning`. */
    policy: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
    /** How the policy chose: `explore`, `exploit`, or a composite policy's own word such as `baseline`. */
    mode: z.string({ error: 'must be a string such as "explore" or "exploit"' }).min(1, { error: "must not be empty" }),
    /** Ψ density the decision was made with; null when there was none. */
    psi_density: z
      .number({ error: "must be a number from 0 to 1, or null" })
      .min(0, { error: "must be from 0 to 1" })
      .max(1, { error: "must be from 0 to 1" })
      .nullable()
      .default(null),
    /** The arm or inner policy that chose, for composite policies. */
    arm: z.string({ error: "must be a string" }).optional(),
    /** false when `propensity` is only a lower bound (an A/B split with an arm that cannot state its probabilities); absent when exact. */
    propensity_exact: z
      .literal(false, { error: "must be false when present (a propensity that is only a lower bound)" })
      .optional(),
    /**
     * An estimate of 1/propensity whose mean is exactly that, where `propensity` is a Monte Carlo
     * estimate (`thompson`, `lin-thompson`): the estimators weigh by it instead of 1/propensity.
     */
    inverse_propensity: z
      .number({ error: "must be a number ≥ 1 (an estimate of 1/propensity)" })
      .min(1, { error: "must be ≥ 1 (an estimate of 1/propensity)" })
      .max(MAX_INVERSE_PROPENSITY, {
        error: `must be at most 1e100 (1 / the smallest propensity a line may carry): a larger weight would overflow the estimators' sums of squares`,
      })
      .optional(),
    /** The reward the engine learned; null for a decision settled without feedback and dropped. */
    /** Within ±1e16 (`MAX_REWARD_MAGNITUDE`), the largest reward the engine learns or logs. */
    reward: loggedReward("must be a finite number or null").nullable(),
    /**
     * What the logged pick earned when that differs from `reward`: the failure reward when the
     * chosen provider failed first and the job ended on a fallback (`outcome.failed_before` names
     * `chosen`). The estimators use it in place of `reward`.
     */
    chosen_reward: loggedReward("must be a finite number").optional(),
    resolution: z.enum(RESOLUTIONS, { error: 'must be "feedback", "expired" or "evicted"' }),
    /** The fed-back outcome; null when the decision was settled without one. */
    outcome: loggedOutcomeSchema.nullable(),
  })
  .superRefine((line, ctx) => {
    if (!line.candidates.some((c) => c.provider_id === line.chosen)) {
      ctx.addIssue({
        code: "custom",
        path: ["chosen"],
        message: `"${line.chosen}" is not among the candidates: it must be the provider_id of one of them`,
      });
    }
    if (line.resolution === "feedback" && line.outcome === null) {
      ctx.addIssue({ code: "custom", path: ["outcome"], message: 'must be the outcome when resolution is "feedback"' });
    }
    if (line.chosen_reward !== undefined && !line.outcome?.failed_before?.includes(line.chosen)) {
      ctx.addIssue({
        code: "custom",
        path: ["chosen_reward"],
        message: "must come with an outcome whose failed_before names chosen (the pick failed first)",
      });
    }
    if (line.resolution === "feedback" && line.reward === null) {
      ctx.addIssue({ code: "custom", path: ["reward"], message: 'must be a number when resolution is "feedback"' });
    }
    if (line.resolution !== "feedback" && line.outcome !== null) {
      ctx.addIssue({ code: "custom", path: ["outcome"], message: `must be null when resolution is "${line.resolution}"` });
    }
  });

export type DecisionLogLine = z.output<typeof decisionLogLineSchema>;
export type DecisionLogLineInput = z.input<typeof decisionLogLineSchema>;
