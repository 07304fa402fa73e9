import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logLine, toJsonl } from "../test/log-lines.js";
import { DecisionLogError } from "./errors.js";
import { parseDecisionLog, parseDecisionLogLine, readDecisionLog } from "./read-decision-log.js";

const tempFile = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "aurora-ope-")), "decisions.jsonl");
  writeFileSync(path, text);
  return path;
};

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("parseDecisionLogLine", () => {
  it("names the source, line number and field of a bad line", () => {
    let error: unknown;
    try {
      parseDecisionLogLine(JSON.stringify(logLine({ propensity: 0 })), 7, "decisions.jsonl");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecisionLogError);
    expect((error as DecisionLogError).lineNumber).toBe(7);
    expect((error as DecisionLogError).field).toBe("propensity");
    expect((error as DecisionLogError).message).toMatch(/^decisions\.jsonl line 7: propensity: must be > 0/);
  });

  it("says when a line is not JSON, or not an object", () => {
    expect(() => parseDecisionLogLine("{oops", 2, "log")).toThrow(/^log line 2: \(line\): is not valid JSON/);
    expect(() => parseDecisionLogLine("[1]", 3, "log")).toThrow("log line 3: (line): must be a JSON object");
  });
});

describe("parseDecisionLog", () => {
  it("skips blank lines and counts them in line numbers", () => {
    const text = `${JSON.stringify(logLine())}\n\n${JSON.stringify(logLine({ chosen: "nope" }))}\n`;
    const lines = parseDecisionLog(text, "mem");
    expect(lines.next().value?.decision_id).toBe("d1");
    expect(() => lines.next()).toThrow(/^mem line 3: chosen:/);
  });
});

describe("readDecisionLog", () => {
  it("streams every line of a file, CRLF endings included", async () => {
    const path = tempFile(toJsonl([logLine(), logLine({ decision_id: "d2" })]).replaceAll("\n", "\r\n"));
    const lines = await collect(readDecisionLog(path));
    expect(lines.map((l) => l.decision_id)).toEqual(["d1", "d2"]);
  });

  it("rejects with the path and line number of the first bad line", async () => {
    const path = tempFile(toJsonl([logLine(), logLine(), { ...logLine(), context: { ...logLine().context, region: "a:b" } }]));
    const error = await rejection(collect(readDecisionLog(path)));
    expect(error).toBeInstanceOf(DecisionLogError);
    expect((error as Error).message).toContain(`${path} line 3: context.region: must not contain ':'`);
  });

  it("rejects with ENOENT for a missing file", async () => {
    const error = await rejection(collect(readDecisionLog("/nonexistent/decisions.jsonl")));
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
