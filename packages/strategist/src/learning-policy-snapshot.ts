import type { LinThompsonSnapshot } from "./lin-thompson-policy.js";
import type { LinUcbSnapshot } from "./lin-ucb-policy.js";
import type { LinearValueSnapshot } from "./linear-value-policy.js";
import type { SoftmaxSnapshot } from "./softmax-policy.js";
import type { ThompsonSnapshot } from "./thompson-policy.js";
import type { Ucb1Snapshot } from "./ucb1-policy.js";

/** The snapshots of the learning policies beyond the seed's Q-learning (`policy` tells them apart). */
export type LearningPolicySnapshot =
  | Ucb1Snapshot
  | ThompsonSnapshot
  | SoftmaxSnapshot
  | LinUcbSnapshot
  | LinThompsonSnapshot
  | LinearValueSnapshot;
