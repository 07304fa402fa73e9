import { constants } from "node:buffer";
import { createReadStream } from "node:fs";
import { formatPath, ValidationError } from "@aurora/domain";
import { boundedLines } from "./bounded-lines.js";
import { type DecisionLogLine, decisionLogLineSchema } from "./decision-log-line.js";
import { DecisionLogError } from "./errors.js";
import { markPosition } from "./log-position.js";

export interface ReadDecisionLogOptions {
  /**
   * The longest line read, in bytes (without its `\n`); a longer one throws `DecisionLogError`
   * naming its number before more of it is held. Default {@link DEFAULT_MAX_LINE_BYTES}; at most
   * V8's longest string, 536,870,888.
   */
  maxLineBytes?: number;
}

/**
 * 16 MiB. A decision with the most candidates a request may name (10,000) at ~200 bytes each
 * takes ~2 MB, so this leaves room while a file that is not a log (`/dev/zero`, a binary) fails
 * at once instead of filling memory.
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Parses one line of a decision log. Throws `DecisionLogError` naming `source`, the line
 * number and the first offending field.
 */
export function parseDecisionLogLine(text: string, lineNumber: number, source = "decision log"): DecisionLogLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecisionLogError(source, lineNumber, "(line)", `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new DecisionLogError(source, lineNumber, "(line)", "must be a JSON object");
  }
  const result = decisionLogLineSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new DecisionLogError(source, lineNumber, formatPath(issue.path), issue.message, { cause: result.error });
  }
  return markPosition(result.data, source, lineNumber);
}

/** The decisions of a JSONL text, in order; blank lines are skipped. */
export function* parseDecisionLog(text: string, source = "decision log"): Generator<DecisionLogLine> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line !== "") yield parseDecisionLogLine(line, i + 1, source);
  }
}

/**
 * Streams the decisions of a JSONL file, one line at a time, so a log of any length is read in
 * constant memory. Lines end at `\n` (a `\r` before it is trimmed); blank lines are skipped; a bad
 * line, or one longer than `maxLineBytes`, throws `DecisionLogError` with its number.
 */
export async function* readDecisionLog(path: string, options: ReadDecisionLogOptions = {}): AsyncGenerator<DecisionLogLine> {
  const maxLineBytes = resolveMaxLineBytes(options?.maxLineBytes);
  const input = createReadStream(path);
  let lineNumber = 0;
  try {
    for await (const raw of boundedLines(input, maxLineBytes, path)) {
      lineNumber++;
      const line = raw.trim();
      if (line !== "") yield parseDecisionLogLine(line, lineNumber, path);
    }
  } finally {
    input.destroy();
  }
}

function resolveMaxLineBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(value) || value < 1 || value > constants.MAX_STRING_LENGTH) {
    throw ValidationError.forField(
      "maxLineBytes",
      `must be a whole number from 1 to ${constants.MAX_STRING_LENGTH.toLocaleString("en-US")} (the longest line read, in bytes), got ${String(value)}`,
    );
  }
  return value;
}
