import { pbkdf2 } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  FrameBuffer,
  frameLine,
  JournalCorruptError,
  JournalWriter,
  readFramedFile,
  readJournal,
  segmentName,
} from "./journal.js";

const pbkdf2Async = promisify(pbkdf2);
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("FrameBuffer", () => {
  it("holds exactly the bytes frameLine gives, line after line, for any text", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 300 }), { maxLength: 20 }), (texts) => {
        const frames = new FrameBuffer();
        let total = 0;
        for (const text of texts) total += frames.add(JSON.stringify(text));
        const expected = Buffer.from(texts.map((text) => frameLine(JSON.stringify(text))).join(""), "utf8");
        expect(frames.view().equals(expected)).toBe(true);
        expect(total).toBe(expected.length);
      }),
      { numRuns: 300 },
    );
  });

  it("grows past its first allocation without losing what it held, and starts empty after clear()", () => {
    const frames = new FrameBuffer();
    const big = JSON.stringify({ note: "Ψ".repeat(50_000) });
    frames.add('{"first":true}');
    frames.add(big);
    expect(frames.view().toString("utf8")).toBe(frameLine('{"first":true}') + frameLine(big));
    frames.clear();
    expect(frames.length).toBe(0);
    frames.add("{}");
    expect(frames.view().toString("utf8")).toBe(frameLine("{}"));
  });
});

describe("readFramedFile", () => {
  const fileOf = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "aurora-framed-")), "records.log");
    writeFileSync(path, text);
    return path;
  };
  const records = Array.from({ length: 50 }, (_, i) => ({ n: i, text: `é ${"∑".repeat(i % 7)}` }));
  const whole = records.map((r) => frameLine(JSON.stringify(r))).join("");

  it("keeps only the newest records with keepLast, having checked them all", () => {
    expect(readFramedFile(fileOf(whole), { last: true, repair: false, keepLast: 3 }).records).toEqual(records.slice(-3));
    expect(readFramedFile(fileOf(whole), { last: true, repair: false }).records).toEqual(records);
    const bad = whole.replace('"n":10', '"n":11');
    expect(() => readFramedFile(fileOf(bad), { last: true, repair: false, keepLast: 3 })).toThrow(JournalCorruptError);
  });

  it("names the byte of a torn tail after multi-byte text, and cuts the file there with repair", () => {
    const path = fileOf(`${whole}${frameLine('{"n":50,"text":"∑∑"}').slice(0, 14)}`);
    const notes: string[] = [];
    const read = readFramedFile(path, { last: true, repair: true, log: (note) => notes.push(note), keepLast: 5 });
    expect(read.records).toEqual(records.slice(-5));
    expect(read.droppedBytes).toBe(14);
    expect(notes[0]).toContain(`at byte ${Buffer.byteLength(whole)}`);
    expect(readFileSync(path, "utf8")).toBe(whole);
  });
});

describe("JournalWriter", () => {
  it("writes records that read back in order, multi-byte text included, once their fsync resolves", async () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 1, "always");
    const records = Array.from({ length: 300 }, (_, i) => ({ i, note: i % 7 === 0 ? "Ψ-Field ✓ 𝔸" : "plain" }));
    await Promise.all(records.map((record) => writer.append(JSON.stringify(record), true)));
    expect(readJournal(dir, 1, { repair: false }).records).toEqual(records);
    expect(writer.bytesSinceRotation).toBe(readFileSync(join(dir, segmentName(1))).length);
    await writer.close();
  });

  it("acknowledges a record whose fsync was under way when flushSync closed its rotated segment (no EBADF)", async () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 1, "always");
    const first = writer.append(JSON.stringify({ i: 1 }), true);
    // Busy the thread pool, so the first record's asynchronous fsync waits behind these jobs.
    const busy = Array.from({ length: 8 }, () => pbkdf2Async("x", "salt", 200_000, 32, "sha256"));
    await new Promise((resolve) => setImmediate(resolve));
    // Meanwhile a snapshot cuts the journal and saveSync() flushes: the segment's descriptor is
    // fsync'd and closed at once, the asynchronous fsync of the same descriptor still queued.
    const second = writer.append(JSON.stringify({ i: 2 }), true);
    writer.rotate();
    writer.flushSync();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await Promise.all(busy);
    expect(readJournal(dir, 1, { repair: false }).records).toEqual([{ i: 1 }, { i: 2 }]);
    expect(writer.lastError).toBeUndefined();
    await writer.close();
  });

  it("acknowledges each record only once it is in the file, whether it came in the same turn as others or later", async () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 1, "always");
    const inFile = () => readJournal(dir, 1, { repair: false }).records.length;
    const seen: number[] = [];
    await Promise.all([0, 1, 2].map((i) => writer.append(JSON.stringify({ i }), true).then(() => seen.push(inFile()))));
    await writer.append(JSON.stringify({ i: 3 }), true).then(() => seen.push(inFile()));
    expect(seen).toEqual([3, 3, 3, 4]);
    await writer.close();
  });

  it("under fsync 'always', writes a burst's first 64 KiB from the append that fills it, and acknowledges every record once synced", async () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 1, "always");
    // Records of one length (i written with three digits), so the first part's size is known.
    const records = Array.from({ length: 200 }, (_, i) => ({ i: String(i).padStart(3, "0"), pad: "x".repeat(1_000) }));
    const fileBytes = () => readFileSync(join(dir, segmentName(1))).length;
    const lineBytes = Buffer.byteLength(frameLine(JSON.stringify(records[0])));
    const firstPart = Math.ceil((64 * 1024) / lineBytes);
    const sizes: number[] = [];
    const acknowledged: number[] = [];
    const done = records.map((record, i) => {
      const ack = writer.append(JSON.stringify(record), true).then(() => acknowledged.push(i));
      sizes.push(fileBytes());
      return ack;
    });
    // Nothing is written before the queue reaches 64 KiB; the append that gets it there writes it
    // (with the waiting records before it); later ones wait for the fsync in flight to end.
    expect(sizes[firstPart - 2]).toBe(0);
    expect(sizes[firstPart - 1]).toBe(firstPart * lineBytes);
    expect(sizes[records.length - 1]).toBe(firstPart * lineBytes);
    await Promise.all(done);
    expect(acknowledged).toEqual(records.map((_, i) => i));
    expect(readJournal(dir, 1, { repair: false }).records).toEqual(records);
    await writer.close();
  });

  it("after a failed write, writes again only when its 100 ms retry timer fires, whatever is appended meanwhile, and closing waits for it", async () => {
    const dir = tempDir();
    symlinkSync("/dev/full", join(dir, segmentName(1)));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const writer = new JournalWriter(dir, 1, "always");
      await expect(writer.append(JSON.stringify({ first: true }), true)).rejects.toThrow(/ENOSPC/);
      let settled = false;
      const big = writer.append(JSON.stringify({ pad: "x".repeat(70 * 1024) }), true);
      big.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      vi.advanceTimersByTime(100);
      await expect(big).rejects.toThrow(/ENOSPC/);
      // Closing flushes: that waits for the next retry too, and reports its failure.
      const closing = writer.close();
      await new Promise((resolve) => setImmediate(resolve));
      vi.advanceTimersByTime(100);
      await expect(closing).rejects.toThrow(/ENOSPC/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("leaves a burst to the next turn of the event loop under an fsync interval", async () => {
    const dir = tempDir();
    const writer = new JournalWriter(dir, 1, { intervalMs: 5 });
    const records = Array.from({ length: 200 }, (_, i) => ({ i, pad: "x".repeat(1_000) }));
    const done = records.map((record) => writer.append(JSON.stringify(record), true));
    expect(readFileSync(join(dir, segmentName(1))).length).toBe(0);
    await Promise.all(done);
    expect(readJournal(dir, 1, { repair: false }).records).toEqual(records);
    await writer.close();
  });

  it("under any policy, writes 1 MiB waiting at once from the append that reaches it, waited for or not", async () => {
    const dir = tempDir();
    // The audit trail's writer: a 200 ms interval, appends that nobody waits for.
    const writer = new JournalWriter(dir, 1, { intervalMs: 200 });
    const records = Array.from({ length: 1_500 }, (_, i) => ({ i: String(i).padStart(4, "0"), pad: "x".repeat(1_000) }));
    const lineBytes = Buffer.byteLength(frameLine(JSON.stringify(records[0])));
    const firstPart = Math.ceil((1024 * 1024) / lineBytes);
    const sizes = records.map((record) => {
      writer.append(JSON.stringify(record), false);
      return readFileSync(join(dir, segmentName(1))).length;
    });
    expect(sizes[firstPart - 2]).toBe(0);
    expect(sizes[firstPart - 1]).toBe(firstPart * lineBytes);
    await writer.close();
    expect(readJournal(dir, 1, { repair: false }).records).toEqual(records);
  });
});
