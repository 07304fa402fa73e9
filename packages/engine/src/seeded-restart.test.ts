import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { RoutingEngine } from "./routing-engine.js";

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-seeded-restart-"));
  dirs.push(dir);
  return dir;
};
// ε = 1 and no decay: every pick is a uniform draw, so the picks are the random stream itself.
const uniform = { kind: "q-learning", epsilon: 1, epsilonDecay: 1 } as const;

async function picks(engine: RoutingEngine, n: number): Promise<string> {
  let out = "";
  for (let i = 0; i < n; i++) {
    const { provider_id, metadata } = engine.decide({ context, providers: market(4) });
    out += (provider_id as string).slice(1);
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 50 });
  }
  return out;
}

describe("a seeded engine across restarts", () => {
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("does not draw the same numbers again after each restart, yet continues the same way from the same history", async () => {
    const modelPath = join(folder(), "model.json");
    const first = new RoutingEngine({ modelPath, seed: 7, policy: uniform, log: () => {} });
    const before = await picks(first, 40);
    await first.close();
    // A fresh engine with the seed draws as the first one did: runs stay reproducible.
    expect(await picks(new RoutingEngine({ seed: 7, policy: uniform }), 40)).toBe(before);

    const copy = join(folder(), "model.json");
    cpSync(join(modelPath, ".."), join(copy, ".."), { recursive: true });
    const second = new RoutingEngine({ modelPath, seed: 7, policy: uniform, log: () => {} });
    const after = await picks(second, 40);
    await second.close();
    // 40 uniform picks among 4 alike by chance: 4⁻⁴⁰.
    expect(after).not.toBe(before);

    const twin = new RoutingEngine({ modelPath: copy, seed: 7, policy: uniform, log: () => {} });
    expect(await picks(twin, 40)).toBe(after);
    await twin.close();
  });
});
