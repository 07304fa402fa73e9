import { Writable } from "node:stream";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { LevelWithSilent } from "pino";
import pino from "pino";
import { vi } from "vitest";

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

/**
 * Builds an app with a capturing logger, starts and closes it, and returns its JSON log lines and
 * every `console.warn` call made meanwhile (where the engine writes when no `log` is wired).
 */
export async function startupLog(
  build: (logger: FastifyBaseLogger) => FastifyInstance,
): Promise<{ lines: Record<string, unknown>[]; consoleCalls: unknown[][] }> {
  const lines: Record<string, unknown>[] = [];
  const consoleWarn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const app = build(capturingLogger(lines));
    await app.ready();
    await app.close();
    return { lines, consoleCalls: [...consoleWarn.mock.calls] };
  } finally {
    consoleWarn.mockRestore();
  }
}
