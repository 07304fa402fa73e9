import { createRng } from "@aurora/domain";
import type { SimRouter } from "@aurora/simulator";
import { oracleRouter, randomRouter, ruleRouter } from "@aurora/simulator";
import type { PolicyConfig } from "@aurora/strategist";
import { engineRouter } from "./engine-router.js";

/** One row of the evidence: a name and how to build a fresh router for a seed. */
export interface Contender {
  name: string;
  /** `policy` for the policies run through the engine, `baseline` for the simulator's routers. */
  kind: "policy" | "baseline";
  /** What the row is, for the table's legend. */
  description: string;
  create(seed: number): SimRouter;
}

function policy(kind: PolicyConfig["kind"], description: string): Contender {
  return {
    name: kind,
    kind: "policy",
    description,
    create: (seed) => engineRouter(kind, { kind } as PolicyConfig, seed),
  };
}

/** The seed's Q-learning, every new learning policy with its defaults, and the baselines. */
export const CONTENDERS: readonly Contender[] = [
  {
    name: "rule",
    kind: "baseline",
    description: "aurora-router phase 1's fixed weighted score (never learns)",
    create: () => ruleRouter(),
  },
  {
    name: "random",
    kind: "baseline",
    description: "uniform among compliant providers",
    create: (seed) => randomRouter({ rng: createRng(seed) }),
  },
  policy("q-learning", "the seed's Q-learning, ε-greedy (engine default)"),
  policy("ucb1", "UCB1 per state, decomposed reward, discounted"),
  policy("thompson", "Thompson sampling per state, Beta failure rate"),
  policy("softmax", "Boltzmann exploration per state"),
  policy("lin-ucb", "LinUCB on shared provider features, shift detection"),
  policy("lin-thompson", "linear Thompson sampling, shared features, shift detection"),
  policy("linear-value", "hashed linear value model (function approximation)"),
  {
    name: "oracle",
    kind: "baseline",
    description: "knows the hidden truth; regret 0 by definition",
    create: () => oracleRouter(),
  },
];
