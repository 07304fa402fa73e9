import { Writable } from "node:stream";
import type { LevelWithSilent } from "pino";
import pino from "pino";

/** A pino logger at `level` whose JSON lines land in `lines`. */
export function capturingLogger(lines: Record<string, unknown>[], level: LevelWithSilent = "info") {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level }, stream);
}
