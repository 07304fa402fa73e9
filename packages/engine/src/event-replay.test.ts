import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@aurora/domain";
import type { AbSplitStats, PolicyConfig, StrategistStats } from "@aurora/strategist";
import { afterAll, describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { MemoryStore } from "./memory-store.js";
import { type EngineEvent, RoutingEngine } from "./routing-engine.js";

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-event-replay-"));
  dirs.push(dir);
  return dir;
};

// Arms whose snapshots hold nothing random, so that whole models compare equal.
const SPLIT = {
  kind: "ab",
  arms: [
    { name: "learned", share: 0.5, policy: { kind: "q-learning", epsilon: 0.3, initialQ: 15, gamma: 0 } },
    { name: "rule", share: 0.5, policy: { kind: "rule" } },
  ],
} as const satisfies PolicyConfig;
const SHADOW = {
  kind: "shadow",
  primary: { kind: "rule" },
  shadow: { kind: "q-learning", epsilon: 0.5, initialQ: 15, gamma: 0 },
} as const satisfies PolicyConfig;
const GUARDED = { kind: "q-learning", epsilon: 0.2, initialQ: 15, gamma: 0 } as const satisfies PolicyConfig;
/** Composites that count a decision by its label: agreements, plays, trust. */
const COUNTED: [string, { policy: PolicyConfig; guardrail?: object }][] = [
  ["a shadow", { policy: SHADOW }],
  // Tries the policy's picks often, so that which pick is played is a draw.
  ["a guardrail", { policy: GUARDED, guardrail: { explore: 0.5, risk: 1 } }],
];

const outcome = (decision_id: string, provider_id: string | null, i: number) => ({
  decision_id,
  success: (i * 7 + (provider_id?.length ?? 0)) % 5 !== 0,
  actual_cost_usd: provider_id === "p3" ? 2 : 6,
  actual_latency_ms: 80 + (i % 7) * 10,
});

/** `n` decisions on `engine`; every one but the last `open` gets its feedback. */
async function traffic(engine: RoutingEngine, n: number, { open = 0 }: { open?: number } = {}): Promise<string[]> {
  const tags: string[] = [];
  for (let i = 0; i < n; i++) {
    const { provider_id, metadata } = engine.decide({ context, providers: market(4) });
    tags.push(metadata.arm as string);
    if (i < n - open) await engine.feedback(outcome(metadata.decision_id, provider_id, i));
  }
  return tags;
}

const count = (tags: readonly string[], tag: string) => tags.filter((t) => t === tag).length;

/** An arm as `arms` reports it when its decisions and rewards are counted once each, by the split and its policy alike. */
const arm = (name: string, decisions: number, rewards: number) => ({ name, decisions, rewards, policy: [decisions, rewards] });

/** Each arm's decisions and rewards, the split's and its policy's own. */
function arms(stats: AbSplitStats | undefined) {
  return stats?.arms.map((arm) => ({
    name: arm.name,
    decisions: arm.decisions,
    rewards: arm.rewards.count,
    policy: [arm.policy.decision_count, arm.policy.total_rewards],
  }));
}

/** What a composite counts in `choose`. */
function composite(stats: StrategistStats) {
  const { shadow, guardrail } = stats;
  return {
    decisions: stats.decision_count,
    ab: arms(stats.ab),
    shadow: shadow && [shadow.agreements, shadow.agreed_rewards.count, shadow.differed_rewards.count],
    guardrail: guardrail && [guardrail.trusted_decisions, guardrail.agreements, guardrail.policy_plays, guardrail.baseline_plays],
  };
}

/**
 * A MemoryStore through which another replica's events arrive, as a store shared by replicas
 * delivers them (`EngineStore.subscribe`), a moment after they were made: the test holds the
 * other engine's events and hands them over with `deliver`.
 */
class StreamedStore extends MemoryStore {
  #listener: ((event: EngineEvent) => void) | undefined;
  #held: EngineEvent[] = [];

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.#listener = listener;
    return () => {
      this.#listener = undefined;
    };
  }

  hold(event: EngineEvent): void {
    this.#held.push(event);
  }

  deliver(): void {
    for (const event of this.#held.splice(0)) this.#listener?.(event);
  }
}

describe("replaying recorded decisions", () => {
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe("after a restart", () => {
    it("puts an A/B split's decisions back on the arms that made them, as live traffic left them", async () => {
      const store = new MemoryStore();
      const clock = new ManualClock(0);
      const live = await RoutingEngine.open({ store, policy: SPLIT, seed: 1, clock, autoSave: false });
      const tags = await traffic(live, 40);
      await live.save();
      tags.push(...(await traffic(live, 60, { open: 5 })));
      // The engine dies here: the restart replays the 60 decisions after the snapshot, on another stream.
      const restarted = await RoutingEngine.open({ store, policy: SPLIT, seed: 2, clock });
      expect(restarted.policy.toJSON()).toEqual(live.policy.toJSON());
      const fedBack = tags.slice(0, 95);
      expect(arms(restarted.getStatus().strategist.ab)).toEqual([
        arm("learned", count(tags, "learned"), count(fedBack, "learned")),
        arm("rule", count(tags, "rule"), count(fedBack, "rule")),
      ]);
      await restarted.close();
    });

    it("reports a Thompson arm's ε as the last decision it made recorded it", async () => {
      const sampled = {
        kind: "ab",
        arms: [
          { name: "sampled", share: 0.5, policy: { kind: "thompson" } },
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
        ],
      } as const satisfies PolicyConfig;
      const store = new MemoryStore();
      const clock = new ManualClock(0);
      const live = await RoutingEngine.open({ store, policy: sampled, seed: 1, clock, autoSave: false });
      await traffic(live, 20);
      await live.save();
      await traffic(live, 20);
      const restarted = await RoutingEngine.open({ store, policy: sampled, seed: 2, clock });
      const epsilons = (engine: RoutingEngine) => engine.getStatus().strategist.ab?.arms.map((arm) => arm.policy.epsilon);
      expect(epsilons(restarted)).toEqual(epsilons(live));
      await restarted.close();
    });

    it.each(COUNTED)("counts %s's decisions with the labels recorded", async (_, options) => {
      const store = new MemoryStore();
      const clock = new ManualClock(0);
      const live = await RoutingEngine.open({ store, ...options, seed: 1, clock, autoSave: false });
      await traffic(live, 150);
      await live.save();
      await traffic(live, 150, { open: 5 });
      const restarted = await RoutingEngine.open({ store, ...options, seed: 2, clock });
      expect(composite(restarted.getStatus().strategist)).toEqual(composite(live.getStatus().strategist));
      await restarted.close();
    });

    it("keeps an A/B split's counts through a crash of the file store", async () => {
      const modelPath = join(folder(), "model.json");
      const clock = new ManualClock(0);
      // Journaled, never snapshotted but when asked.
      const live = new RoutingEngine({ modelPath, policy: SPLIT, seed: 1, clock, saveEvery: 1_000_000, log: () => {} });
      await traffic(live, 30);
      await live.save();
      await traffic(live, 50, { open: 3 });
      await traffic(live, 2); // an acknowledged feedback: the decisions before it are on disk too
      // What a kill -9 leaves on disk: the snapshot and the journal after it.
      const copy = join(folder(), "model.json");
      cpSync(join(modelPath, ".."), join(copy, ".."), { recursive: true, filter: (path) => !path.endsWith(".lock") });
      const restarted = new RoutingEngine({ modelPath: copy, policy: SPLIT, seed: 2, clock, log: () => {} });
      expect(restarted.policy.toJSON()).toEqual(live.policy.toJSON());
      await restarted.close();
      await live.close();
    });

    it("hands the decisions an A/B split made before a guardrail was switched on to the arms that made them", async () => {
      const store = new MemoryStore();
      const clock = new ManualClock(0);
      const split = await RoutingEngine.open({ store, policy: SPLIT, seed: 1, clock, autoSave: false });
      const made = Array.from({ length: 10 }, (_, i) => ({ ...split.decide({ context, providers: market(4) }), i }));
      await split.save(); // holds the first ten pending
      made.push(...Array.from({ length: 10 }, (_, i) => ({ ...split.decide({ context, providers: market(4) }), i: i + 10 })));
      // The split's engine dies; the restart guards its model, replaying the ten decisions after the snapshot.
      const guarded = await RoutingEngine.open({ store, guardrail: {}, seed: 2, clock });
      expect(guarded.policy.name).toBe("guardrail");
      for (const { provider_id, metadata, i } of made) await guarded.feedback(outcome(metadata.decision_id, provider_id, i));
      const { guardrail } = guarded.getStatus().strategist;
      const tags = made.map(({ metadata }) => metadata.arm as string);
      expect(guardrail!.policy.ab!.unattributed_rewards).toBe(0);
      expect(arms(guardrail!.policy.ab)).toEqual([
        arm("learned", count(tags, "learned"), count(tags, "learned")),
        arm("rule", count(tags, "rule"), count(tags, "rule")),
      ]);
      // Not the guardrail's own decisions: learned, but neither evidence nor counted as its decisions.
      expect(guardrail).toMatchObject({ decisions: 0, unattributed_rewards: 20 });
      await guarded.close();
    });
  });

  describe("from another replica", () => {
    /**
     * Two replicas deciding at once, in rounds: each makes `perRound` decisions before the other's
     * reach it (so each applies them in another order than the other), then the streams catch up,
     * each decision gets its feedback on the replica that did not make it, and the outcomes reach
     * the makers. Returns every decision's tag.
     */
    async function replicaTraffic(options: { policy: PolicyConfig; guardrail?: object }, rounds: number, perRound = 4) {
      const stores = [new StreamedStore(), new StreamedStore()] as const;
      const clock = new ManualClock(0);
      const flush = () => {
        for (const store of stores) store.deliver();
      };
      const a = await RoutingEngine.open({ store: stores[0], ...options, seed: 1, clock, onEvent: (e) => stores[1].hold(e) });
      const b = await RoutingEngine.open({ store: stores[1], ...options, seed: 2, clock, onEvent: (e) => stores[0].hold(e) });
      const tags: string[] = [];
      let i = 0;
      for (let round = 0; round < rounds; round++) {
        const made = [a, b].flatMap((maker) =>
          // Markets of 2 to 4 providers: the decisions differ, so a draw counts for the one it is spent on.
          Array.from({ length: perRound }, () => ({
            maker,
            ...maker.decide({ context, providers: market(2 + (i % 3)) }),
            i: i++,
          })),
        );
        flush();
        for (const { maker, provider_id, metadata, i } of made) {
          tags.push(metadata.arm as string);
          await (maker === a ? b : a).feedback(outcome(metadata.decision_id, provider_id, i));
        }
        flush();
      }
      return { a, b, tags };
    }

    it("counts an A/B split's decisions on the arms that made them, as the replica that made them does", async () => {
      const { a, b, tags } = await replicaTraffic({ policy: SPLIT }, 25);
      const expected = [
        arm("learned", count(tags, "learned"), count(tags, "learned")),
        arm("rule", count(tags, "rule"), count(tags, "rule")),
      ];
      expect(arms(a.getStatus().strategist.ab)).toEqual(expected);
      expect(arms(b.getStatus().strategist.ab)).toEqual(expected);
      await Promise.all([a.close(), b.close()]);
    });

    it.each(COUNTED)("counts %s's decisions with the labels the replica that made them recorded", async (_, options) => {
      // Every outcome reaches both before the next decisions, so the evidence (and trust) agree too.
      const { a, b } = await replicaTraffic(options, 40);
      expect(composite(b.getStatus().strategist)).toEqual(composite(a.getStatus().strategist));
      await Promise.all([a.close(), b.close()]);
    });
  });
});
