import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JSON_PIECES } from "@aurora/domain";
import { Strategist } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { jsonPieces, writeSnapshotTemp, writeSnapshotTempSync } from "./snapshot-writer.js";

/** A value that writes its own JSON, as a Q-table's snapshot does; `toJSON` gives the same object. */
class Streamed {
  constructor(readonly rows: number) {}
  toJSON(): Record<string, number> {
    return Object.fromEntries(Array.from({ length: this.rows }, (_, i) => [`s${i}`, i]));
  }
  *[JSON_PIECES](): Generator<string> {
    yield "{";
    for (let i = 0; i < this.rows; i++) yield `${i > 0 ? "," : ""}"s${i}":${i}`;
    yield "}";
  }
}

describe("jsonPieces", () => {
  it("lets a value that writes its own JSON pieces do so, wherever it sits", () => {
    const value = { head: 1, table: new Streamed(3), nested: { deeper: new Streamed(2) }, list: [new Streamed(1)] };
    expect(JSON.parse([...jsonPieces(value)].join(""))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it("reaches a value that writes its own pieces inside small and deep objects and arrays, never building its toJSON", () => {
    /** Its pieces are the only way to write it. */
    const only = {
      toJSON(): never {
        throw new Error("built with toJSON");
      },
      *[JSON_PIECES](): Generator<string> {
        yield '{"rows":';
        yield "[1,2]}";
      },
    };
    const value = {
      small: { inner: only },
      deep: { a: { b: { c: only } } },
      list: [[only], 3],
      composite: { arms: [{ name: "x", snapshot: { head: 1, table: only } }] },
      plain: { a: [1, 2, { b: "c" }] },
    };
    const text = [...jsonPieces(value)].join("");
    const table = { rows: [1, 2] };
    expect(JSON.parse(text)).toEqual({
      small: { inner: table },
      deep: { a: { b: { c: table } } },
      list: [[table], 3],
      composite: { arms: [{ name: "x", snapshot: { head: 1, table } }] },
      plain: { a: [1, 2, { b: "c" }] },
    });
  });

  it("writes a policy's point-in-time snapshot as the JSON of its toJSON, in files either way", async () => {
    const policy = new Strategist({ rng: () => 0.5 });
    for (let s = 0; s < 3_000; s++) policy.updateQValue(`w:g:r${s}`, `provider-${s % 7}`, (s % 13) - 4);
    const expected = JSON.parse(JSON.stringify(policy.toJSON()));
    const snapshot = policy.snapshot();
    policy.updateQValue("w:g:r0", "provider-0", 99); // after the snapshot: not in it
    const dir = mkdtempSync(join(tmpdir(), "aurora-snapshot-writer-"));
    try {
      const written = await writeSnapshotTemp(join(dir, "model.json"), snapshot);
      expect(JSON.parse(readFileSync(written.temp, "utf8"))).toEqual(expected);
      const writtenSync = writeSnapshotTempSync(join(dir, "model.json"), snapshot);
      expect(writtenSync.sha256).toBe(written.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
