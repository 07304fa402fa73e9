import type { LoggedSample } from "./logged-sample.js";

/** q̂(x, a): a predicted reward for provider `actionId` in state `stateKey`. */
export interface RewardModel {
  predict(stateKey: string, actionId: string): number;
}

/** Fits a reward model on logged decisions (the doubly robust estimator calls it once per fold). */
export type RewardModelFactory = (training: readonly LoggedSample[]) => RewardModel;

interface Mean {
  sum: number;
  count: number;
}

/**
 * The default reward model: the mean logged reward of (state, provider); for a pair never
 * logged, the provider's mean over all states; for a provider never logged, the mean of all
 * logged rewards (0 with no training data). Only logged choices and their rewards are used.
 */
export function fitMeanRewardModel(training: readonly LoggedSample[]): RewardModel {
  // Maps, not objects: "__proto__" and "constructor" are ordinary ids.
  const byStateAndAction = new Map<string, Map<string, Mean>>();
  const byAction = new Map<string, Mean>();
  let sum = 0;
  for (const s of training) {
    const action = s.actions[s.chosen]!;
    let row = byStateAndAction.get(s.stateKey);
    if (row === undefined) {
      row = new Map();
      byStateAndAction.set(s.stateKey, row);
    }
    add(row, action, s.reward);
    add(byAction, action, s.reward);
    sum += s.reward;
  }
  const overall = training.length > 0 ? sum / training.length : 0;
  return {
    predict(stateKey, actionId) {
      const pair = byStateAndAction.get(stateKey)?.get(actionId);
      if (pair !== undefined) return pair.sum / pair.count;
      const action = byAction.get(actionId);
      return action !== undefined ? action.sum / action.count : overall;
    },
  };
}

function add(means: Map<string, Mean>, key: string, reward: number): void {
  const mean = means.get(key);
  if (mean === undefined) means.set(key, { sum: reward, count: 1 });
  else {
    mean.sum += reward;
    mean.count++;
  }
}
