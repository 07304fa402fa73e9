import { computeReward, DEFAULT_REWARD_WEIGHTS } from "@aurora/executor";
import type { RewardFn, SimRouter } from "@aurora/simulator";
import { ruleRouter, runSimulation } from "@aurora/simulator";
import { describe, expect, it } from "vitest";
import { tinyScenario } from "./testing/simulation-result.js";
import { withStepHook } from "./with-step-hook.js";

const reward: RewardFn = (outcome, reputation) => computeReward(outcome, DEFAULT_REWARD_WEIGHTS, reputation);

describe("withStepHook", () => {
  it("calls the hook after every feedback, in step order, and keeps the router's name and results", async () => {
    const steps: number[] = [];
    const plain = await runSimulation({ scenario: tinyScenario(), seed: 2, reward, routers: [ruleRouter()] });
    const hooked = await runSimulation({
      scenario: tinyScenario(),
      seed: 2,
      reward,
      routers: [withStepHook(ruleRouter(), (step) => void steps.push(step))],
    });
    expect(steps).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(hooked).toEqual(plain);
  });

  it("runs the router's own feedback before the hook, and waits for both", async () => {
    const order: string[] = [];
    const router: SimRouter = {
      name: "r",
      decide: () => ({ provider_id: "steady" }),
      feedback: async (_outcome, step) => {
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`feedback ${step}`);
      },
    };
    await runSimulation({
      scenario: tinyScenario({ decisions: 2 }),
      seed: 1,
      reward,
      routers: [
        withStepHook(router, async (step) => {
          await new Promise((resolve) => setImmediate(resolve));
          order.push(`hook ${step}`);
        }),
      ],
    });
    expect(order).toEqual(["feedback 0", "hook 0", "feedback 1", "hook 1"]);
  });
});
