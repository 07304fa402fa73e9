import { z } from "zod";
import type { GuardrailSettingsJson, PolicyConfigJson } from "./config.js";

const got = (text: string) => `got "${text.length > 80 ? `${text.slice(0, 80)}…` : text}"`;

/** A registry kind as written in a variable: `q-learning`, `ucb1`, `lin-ucb`… (the engine checks it exists). */
const POLICY_NAME = /^[a-z][a-z0-9-]{0,63}$/;

type JsonObject = Record<string, unknown>;

/** The text parsed as a JSON object, or undefined when it is not JSON or not an object. */
export function jsonObject(text: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/**
 * `AURORA_POLICY`: a bare policy name (`ucb1` → `{ kind: "ucb1" }`) or a JSON registry config
 * naming its kind (`{"kind":"q-learning","epsilon":0.2}`). Unknown kinds and bad options are
 * the engine's to refuse; its message is reported under this variable.
 */
export const policyVariable = z.string().transform((raw, ctx): PolicyConfigJson => {
  const text = raw.trim();
  if (POLICY_NAME.test(text)) return { kind: text };
  const value = text.startsWith("{") ? jsonObject(text) : undefined;
  if (value !== undefined && typeof value.kind === "string") return value as PolicyConfigJson;
  ctx.addIssue({
    code: "custom",
    message: `must be a policy name such as q-learning or ucb1 (GET /policies lists them), or a JSON object naming its kind, e.g. {"kind":"q-learning","epsilon":0.2}; ${got(raw)}`,
  });
  return z.NEVER;
});

const ON = new Set(["true", "on", "yes", "1"]);
const OFF = new Set(["false", "off", "no", "0"]);

/**
 * `AURORA_GUARDRAIL`: the engine's `guardrail` option. A policy name is the baseline
 * (`rule` → `{ baseline: { kind: "rule" } }`); a JSON object is the whole setting
 * (`{"baseline":{"kind":"rule"},"minSamples":50}`); `on` guards with the default baseline
 * (the rule router) and `off` leaves the policy unguarded.
 */
export const guardrailVariable = z.string().transform((raw, ctx): GuardrailSettingsJson | undefined => {
  const text = raw.trim();
  const word = text.toLowerCase();
  if (OFF.has(word)) return undefined;
  if (ON.has(word)) return {};
  if (POLICY_NAME.test(text)) return { baseline: { kind: text } };
  const value = text.startsWith("{") ? jsonObject(text) : undefined;
  if (value !== undefined) return value;
  ctx.addIssue({
    code: "custom",
    message: `must be the baseline policy's name such as rule, on (the rule baseline), off, or a JSON object of guardrail settings, e.g. {"baseline":{"kind":"rule"},"minSamples":50}; ${got(raw)}`,
  });
  return z.NEVER;
});
