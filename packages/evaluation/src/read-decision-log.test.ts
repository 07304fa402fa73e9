import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { logLine, toJsonl } from "../test/log-lines.js";
import { boundedLines } from "./bounded-lines.js";
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

  it("reads a line that spans many chunks, multi-byte characters included", async () => {
    const reason = "défaillance ⚠ 🚫 ".repeat(100).slice(0, 1500);
    const line = logLine({ outcome: { success: false, actual_cost_usd: 0, actual_latency_ms: 1, error_reason: reason } });
    // Whitespace between tokens makes the line ~300 KB: several 64 KiB chunks of the file stream.
    const padded = JSON.stringify(line).replace('"chosen"', `${" ".repeat(300_000)}"chosen"`);
    const path = tempFile(`${JSON.stringify(logLine({ decision_id: "d0" }))}\n${padded}\n`);
    const lines = await collect(readDecisionLog(path));
    expect(lines.map((l) => l.decision_id)).toEqual(["d0", "d1"]);
    expect(lines[1]!.outcome?.error_reason).toBe(reason);
  });

  describe("a line longer than maxLineBytes", () => {
    const first = JSON.stringify(logLine());
    const long = JSON.stringify(logLine({ decision_id: "d2", arm: "a".repeat(50) }));
    const path = tempFile(`${first}\n\n${long}\n${JSON.stringify(logLine({ decision_id: "d3" }))}\n`);

    it("rejects with its line number, naming the limit", async () => {
      const error = await rejection(collect(readDecisionLog(path, { maxLineBytes: long.length - 1 })));
      expect(error).toBeInstanceOf(DecisionLogError);
      expect(error).toMatchObject({ source: path, lineNumber: 3, field: "(line)" });
      expect((error as Error).message).toContain(
        `${path} line 3: (line): is longer than ${(long.length - 1).toLocaleString("en-US")} bytes, the most one decision record may take`,
      );
    });

    it("reads a line of exactly maxLineBytes", async () => {
      const lines = await collect(readDecisionLog(path, { maxLineBytes: long.length }));
      expect(lines.map((l) => l.decision_id)).toEqual(["d1", "d2", "d3"]);
    });

    it("reads a CRLF line of exactly maxLineBytes, its \\r not counted, also split between chunks", async () => {
      const crlf = tempFile(`${first}\r\n\r\n${long}\r\n`);
      const lines = await collect(readDecisionLog(crlf, { maxLineBytes: long.length }));
      expect(lines.map((l) => l.decision_id)).toEqual(["d1", "d2"]);
      const error = await rejection(collect(readDecisionLog(crlf, { maxLineBytes: long.length - 1 })));
      expect(error).toMatchObject({ lineNumber: 3, field: "(line)" });
      // The \r at the end of one chunk, the \n at the start of the next; or the \r alone in a chunk.
      async function* chunks(...parts: string[]) {
        for (const part of parts) yield Buffer.from(part);
      }
      for (const parts of [
        [`${long}\r`, "\n"],
        [long, "\r", "\n"],
      ]) {
        expect(await collect(boundedLines(chunks(...parts), long.length, "x"))).toEqual([`${long}\r`]);
        await expect(collect(boundedLines(chunks(...parts), long.length - 1, "x"))).rejects.toMatchObject({ field: "(line)" });
      }
    });

    it("counts the line's bytes, not its characters", async () => {
      const reason = "é".repeat(1000);
      const text = JSON.stringify(
        logLine({ outcome: { success: false, actual_cost_usd: 0, actual_latency_ms: 1, error_reason: reason } }),
      );
      const utf8 = tempFile(`${text}\n`);
      // 1,000 characters of two bytes each: the line is 1,000 bytes longer than it is long.
      const error = await rejection(collect(readDecisionLog(utf8, { maxLineBytes: text.length + 500 })));
      expect(error).toMatchObject({ lineNumber: 1, field: "(line)" });
    });

    it("refuses a maxLineBytes that is not a whole number from 1", async () => {
      const error = await rejection(collect(readDecisionLog(path, { maxLineBytes: 0 })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/^maxLineBytes: must be a whole number from 1 to 536,870,888/);
    });
  });

  it("rejects with ENOENT for a missing file", async () => {
    const error = await rejection(collect(readDecisionLog("/nonexistent/decisions.jsonl")));
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});
