import { ValidationError } from "@aurora/domain";
import type { OutcomeInput } from "@aurora/engine";
import type { FastifyInstance } from "fastify";
import { feedbackRefusal } from "../feedback-refusal.js";
import { InvalidJsonBodyError } from "../json-body-parser.js";
import { NO_DECISION_ID_PREFIX, NoOutcomeToLearnError } from "../no-outcome-to-learn-error.js";
import { feedbackResponseSchema, jsonSchemaOf } from "../response-schemas.js";
import type { FeedbackOutcome } from "../sidecar-metrics.js";
import { errorResponses } from "./error-responses.js";

/**
 * How each refusal of a feedback is counted in `aurora_feedback_total{outcome}`, by error code:
 * the engine's, and those of a body that never reached it (not JSON, empty, compressed, not
 * `application/json` or not UTF-8, over BODY_LIMIT, shorter or longer than its Content-Length).
 */
const REFUSALS = new Map<string, FeedbackOutcome>([
  ["VALIDATION_ERROR", "invalid"],
  ["UNKNOWN_DECISION", "unknown_decision"],
  ["DUPLICATE_FEEDBACK", "duplicate"],
  ["LATE_FEEDBACK", "late"],
  ["INVALID_JSON", "invalid"],
  ["UNSUPPORTED_CONTENT_ENCODING", "invalid"],
  ["UNSUPPORTED_CHARSET", "invalid"],
  ["FST_ERR_CTP_INVALID_MEDIA_TYPE", "invalid"],
  ["FST_ERR_CTP_BODY_TOO_LARGE", "invalid"],
  ["FST_ERR_CTP_INVALID_CONTENT_LENGTH", "invalid"],
]);

/**
 * The outcome's fields spelt in camelCase, as a JavaScript client might send them: dropped as
 * unknown keys, they would change what is learned without a word (`providerId`: learned for the
 * chosen provider; `failedBefore`: the failed tries not at all), so they are refused, naming the
 * field meant.
 */
const CAMEL_CASE_FIELDS = new Map(
  [
    "decision_id",
    "actual_cost_usd",
    "actual_latency_ms",
    "actual_reputation",
    "error_reason",
    "provider_id",
    "failed_before",
  ].map((field) => [field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), field]),
);

/**
 * `POST /feedback` `{decision_id, success, actual_cost_usd, actual_latency_ms, actual_reputation?,
 * error_reason?, provider_id?, failed_before?}` → 200 `{decision_id, reward}` once the engine has
 * learned it. `provider_id` names the provider the job ran on when the router fell back to one of
 * `metadata.alternatives`; anything but the chosen provider or an alternative → 400 naming it.
 * `failed_before` lists the providers tried first that failed, each learned as a failed job.
 * Unknown id → 404 (also the id of a decision that routed nothing, `provider_id: null`, with a
 * message saying so), second feedback → 409, after the reward wait → 410, bad field → 400,
 * store unavailable or shutting down → 503.
 */
export async function feedbackRoute(app: FastifyInstance): Promise<void> {
  app.post(
    "/feedback",
    {
      schema: {
        summary: "Report the outcome of a decision",
        response: { 200: jsonSchemaOf(feedbackResponseSchema), ...errorResponses(400, 401, 404, 409, 410, 413, 415, 500, 503) },
      },
      // Every refusal passes here, from the body parser's to the engine's, and is counted once.
      onError: (_request, _reply, error, done) => {
        const refusal = REFUSALS.get(typeof error.code === "string" ? error.code : "");
        if (refusal) app.metrics.observeFeedback(refusal);
        done();
      },
    },
    async (request) => {
      if (request.body === undefined) throw new InvalidJsonBodyError("no body was sent");
      const outcome = request.body as OutcomeInput;
      // Unknown keys are dropped, but a reward of the caller's own (Personalizer's Reward call)
      // would be dropped silently while the engine learned its own: refused instead.
      if (typeof outcome === "object" && outcome !== null && Object.hasOwn(outcome, "reward")) {
        throw ValidationError.forField(
          "reward",
          "is not taken: the reward is computed from the outcome (success, actual_cost_usd, actual_latency_ms, " +
            "actual_reputation) with the weights AURORA_REWARD_WEIGHTS sets; send the outcome instead",
        );
      }
      if (typeof outcome === "object" && outcome !== null) {
        for (const key of Object.keys(outcome)) {
          const meant = CAMEL_CASE_FIELDS.get(key);
          if (meant !== undefined) throw ValidationError.forField(key, `is not a field of the outcome: did you mean ${meant}?`);
        }
      }
      let reward: number;
      try {
        reward = await app.engine.feedback(outcome);
      } catch (error) {
        const code = (error as { code?: string } | null)?.code ?? "";
        if (code === "UNKNOWN_DECISION" && routedNothing(app, outcome.decision_id)) {
          throw new NoOutcomeToLearnError(outcome.decision_id);
        }
        // The engine's messages name its options (rewardWaitMs, maxPending) and decide(): said in the sidecar's terms.
        throw feedbackRefusal(error, (decisionId) => app.engine.getDecision(decisionId));
      }
      app.metrics.observeFeedback(outcome.success ? "success" : "failure", reward);
      // Only an outcome naming its provider can be a fallback; the decision's record says whether it was.
      if (typeof outcome.provider_id === "string" && app.engine.getDecision(outcome.decision_id)?.outcome?.fallback === true) {
        app.metrics.observeFallback();
      }
      if (outcome.failed_before !== undefined) app.metrics.observeFailedAttempts(outcome.failed_before);
      return { decision_id: outcome.decision_id, reward };
    },
  );
}

/**
 * Whether `decisionId` names a decision that routed nothing: its record says `provider_id: null`,
 * or, once the record is forgotten (or on another replica), its id has the engine's `none-` prefix.
 */
function routedNothing(app: FastifyInstance, decisionId: unknown): boolean {
  if (typeof decisionId !== "string") return false;
  const view = app.engine.getDecision(decisionId);
  return view === undefined ? decisionId.startsWith(NO_DECISION_ID_PREFIX) : view.provider_id === null;
}
