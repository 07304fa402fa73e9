import { writeFileSync } from "node:fs";
import { ManualClock } from "@aurora/domain";
import type { EngineStatus } from "@aurora/engine";
import { RoutingEngine } from "@aurora/engine";
import type { SimDecision, SimOutcome, SimRequest, SimRouter } from "@aurora/simulator";
import type { PolicyConfig } from "@aurora/strategist";
import type { PsiFieldStandIn } from "./psi-field-stand-in.js";
import { PSI_START_MS, psiFieldState } from "./psi-script.js";
import { PsiSyncError } from "./psi-sync-error.js";

export interface EngineRouterPsi {
  /** The stand-in the engine reads (`psiFieldUrl`). */
  field: PsiFieldStandIn;
  /** The density the field should show at each step. */
  densityAt: (step: number) => number;
}

export interface EngineRouterOptions {
  name: string;
  policy: PolicyConfig;
  /** Seeds the engine's exploration. */
  seed: number;
  psi?: EngineRouterPsi;
}

/**
 * How long the engine's Ψ client keeps a reading, in the engine's clock. The client also
 * refreshes in the background every TTL/2 of real time; at this TTL (the timer's maximum)
 * that never happens during a run, so the engine reads the field only when this router says.
 */
const PSI_TTL_MS = 2_147_483_647;
/** Generous: a local request, on a busy 2-core machine. */
const PSI_TIMEOUT_MS = 5_000;

/**
 * A `RoutingEngine` as a simulator router: requests and outcomes pass through unchanged, and
 * each decision reports its effective ε (and Ψ density when connected) as chart series.
 *
 * The engine runs in memory, without `modelPath`: the engine's file store journals and fsyncs
 * every feedback, which is right for production and would make a 5,000-step demo wait on the
 * disk 10,000 times. `saveModel` writes the model once, at the end.
 *
 * With a Ψ-Field, the engine's clock is simulated, so which value it reads at which step is
 * decided here, not by timers: before a step whose scripted density differs from the last,
 * the router sets the field, expires the engine's cached reading and waits for a live one.
 * Same seed, same Ψ at every step.
 */
export class EngineRouter implements SimRouter {
  readonly name: string;
  readonly #engine: RoutingEngine;
  readonly #clock: ManualClock;
  readonly #psi: EngineRouterPsi | undefined;
  #density: number | null = null;

  private constructor(options: EngineRouterOptions, clock: ManualClock) {
    this.name = options.name;
    this.#clock = clock;
    this.#psi = options.psi;
    this.#engine = new RoutingEngine({
      seed: options.seed,
      policy: options.policy,
      clock,
      ...(options.psi ? { psiFieldUrl: options.psi.field.url, psiTtlMs: PSI_TTL_MS, psiTimeoutMs: PSI_TIMEOUT_MS } : {}),
    });
  }

  /** Builds the engine; with a Ψ-Field, resolves once the engine holds the field's value for step 0. */
  static async open(options: EngineRouterOptions): Promise<EngineRouter> {
    // The engine asks the field as soon as it is built: show it step 0's value first.
    options.psi?.field.set(psiFieldState(options.psi.densityAt(0), 0));
    const router = new EngineRouter(options, new ManualClock(PSI_START_MS));
    try {
      await router.#syncPsi(0);
    } catch (error) {
      await router.close().catch(() => {});
      throw error;
    }
    return router;
  }

  decide(request: SimRequest): SimDecision {
    const { provider_id, metadata } = this.#engine.decide(request);
    const extra: Record<string, number> = { epsilon: metadata.epsilon };
    if (metadata.psi_density !== null) extra.psi_density = metadata.psi_density;
    return { provider_id, decision_id: metadata.decision_id, extra };
  }

  async feedback(outcome: SimOutcome, step: number): Promise<number> {
    const reward = await this.#engine.feedback(outcome);
    await this.#syncPsi(step + 1);
    return reward;
  }

  getStatus(): EngineStatus {
    return this.#engine.getStatus();
  }

  /**
   * Writes the learned model (the policy's snapshot, the JSON a `modelPath` file holds) to
   * `path`; `new RoutingEngine({ modelPath: path })` resumes from it.
   */
  saveModel(path: string): void {
    writeFileSync(path, `${JSON.stringify(this.#engine.policy.toJSON(), null, 2)}\n`);
  }

  /** Stops the engine's Ψ client. */
  close(): Promise<void> {
    return this.#engine.close();
  }

  async #syncPsi(step: number): Promise<void> {
    const psi = this.#psi;
    if (psi === undefined) return;
    const density = psi.densityAt(step);
    if (density === this.#density) return;
    psi.field.set(psiFieldState(density, step));
    this.#clock.advance(PSI_TTL_MS);
    const reading = await this.#engine.fetchPsiMetrics();
    if (reading.source !== "live" || reading.density !== density) {
      throw new PsiSyncError(
        psi.field.url,
        `got a ${reading.source} reading of density ${reading.density}, expected live ${density}`,
      );
    }
    this.#density = density;
  }
}
