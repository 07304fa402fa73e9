import { createRng, type Rng, seededStringHash } from "@aurora/domain";
import { NormalSampler } from "./normal-sampler.js";

/** Most draws a geometric resampling makes: a pick rarer than 1 in this many still weighs too little. */
const RESAMPLE_LIMIT = 10_000;
/** Candidate draws (draws × candidates) a decision may spend on it: a long candidate list draws fewer times. */
const RESAMPLE_WORK = 1_000_000;
/** The resampling's own random stream, so a policy's decisions draw exactly as they would without it. */
const RESAMPLE_SEED = 0x6a09e667;

/** The most draws for `n` candidates: the limit, fewer for long lists, never below `floor`. */
export function resampleLimit(n: number, floor: number): number {
  return Math.max(floor, Math.min(RESAMPLE_LIMIT, Math.floor(RESAMPLE_WORK / Math.max(1, n))));
}

/**
 * A random stream of its own for geometric resampling (uniforms and normals). A policy resumed
 * from a snapshot passes how far that snapshot had come (`resumedAt`: its decisions and rewards),
 * so that every restart does not draw the first numbers again: with the same stream, a model that
 * has not changed gives a pick the same count after every restart, a fixed number in place of a
 * draw whose mean is 1/p. A restart from the same snapshot goes on the same way.
 */
export function resampleStream(resumedAt?: string): { rng: Rng; normal: NormalSampler } {
  const rng = createRng(resumedAt === undefined ? RESAMPLE_SEED : seededStringHash(RESAMPLE_SEED, `resample:${resumedAt}`));
  return { rng, normal: new NormalSampler(rng) };
}

/**
 * Geometric resampling (Neu & Bartók 2013, "An efficient algorithm for learning with semi-bandit
 * feedback"): draws until `draw()` returns `pick` again and returns how many draws that took, at
 * most `limit`. The count N is geometric with mean 1/p for a pick of probability p, so N is an
 * unbiased estimate of the importance weight 1/p, up to truncation: E[min(N, K)] = (1 − (1 − p)^K)/p.
 * Expected cost min(1/p, K) draws, so over the picks a decision makes at most n draws on average.
 */
export function geometricResample(pick: number, limit: number, draw: () => number): number {
  let count = 1;
  while (count < limit && draw() !== pick) count++;
  return count;
}
