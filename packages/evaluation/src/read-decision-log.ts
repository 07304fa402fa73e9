import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { formatPath } from "@aurora/domain";
import { type DecisionLogLine, decisionLogLineSchema } from "./decision-log-line.js";
import { DecisionLogError } from "./errors.js";

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
  return result.data;
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
 * constant memory. Blank lines are skipped; a bad line throws `DecisionLogError` with its number.
 */
export async function* readDecisionLog(path: string): AsyncGenerator<DecisionLogLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      const line = raw.trim();
      if (line !== "") yield parseDecisionLogLine(line, lineNumber, path);
    }
  } finally {
    lines.close();
  }
}
