import { clearLine, cursorTo, moveCursor } from "node:readline";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressBar } from "./progress-bar.js";

/** A stream that says it is a terminal and keeps what is drawn on it. */
function terminal(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & Record<string, unknown>;
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  Object.assign(stream, {
    isTTY,
    columns: 120,
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
    clearLine: (dir: -1 | 0 | 1) => clearLine(stream, dir),
    clearScreenDown: () => true,
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe("createProgressBar", () => {
  it("draws nothing when the stream is not a terminal, so CI logs stay clean", async () => {
    const { stream, text } = terminal(false);
    const bar = createProgressBar(stream);
    bar.update(100, 1000);
    bar.update(1000, 1000);
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toBe("");
  });

  it("draws the decisions done out of the total on a terminal", async () => {
    const { stream, text } = terminal(true);
    const bar = createProgressBar(stream);
    bar.update(100, 1000);
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toContain("100/1000 decisions");
  });

  it("can be stopped before it started", () => {
    const { stream } = terminal(true);
    expect(() => createProgressBar(stream).stop()).not.toThrow();
  });
});
