import type { SimOutcome, SimRouter } from "@aurora/simulator";

/**
 * The same router, calling `hook(step)` after each of its feedbacks (awaited, like the
 * feedback itself). The simulator has no per-step callback; this gives one without adding a
 * router to the results.
 */
export function withStepHook(router: SimRouter, hook: (step: number) => void | Promise<void>): SimRouter {
  return {
    name: router.name,
    ...(router.start ? { start: router.start.bind(router) } : {}),
    decide: router.decide.bind(router),
    async feedback(outcome: SimOutcome, step: number): Promise<void> {
      await router.feedback?.(outcome, step);
      await hook(step);
    },
  };
}
