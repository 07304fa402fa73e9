import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { errorResponses } from "./routes/error-responses.js";
import type { SidecarMetricsOptions } from "./sidecar-metrics.js";
import { SidecarMetrics } from "./sidecar-metrics.js";

declare module "fastify" {
  interface FastifyInstance {
    metrics: SidecarMetrics;
  }
}

export type MetricsPluginOptions = SidecarMetricsOptions;

/**
 * Decorates the app with `metrics` (a registry of its own) and serves `GET /metrics` in
 * Prometheus text format. The engine's gauges (ε, Q-states, pending feedback, Ψ-Field
 * reachability, save failures) and its settlement totals are read from `engine.getStatus()` at each scrape.
 */
async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const metrics = new SidecarMetrics(options);
  const restored = app.engine.settlementTotals;
  metrics.startSettlementsFrom(restored.settled_with_default, restored.settled_dropped);
  app.decorate("metrics", metrics);

  app.get(
    "/metrics",
    {
      schema: {
        response: {
          200: { type: "string", description: "Prometheus text exposition format 0.0.4" },
          ...errorResponses(401, 500),
        },
      },
    },
    async (_request, reply) => {
      const status = app.engine.getStatus();
      metrics.setEngineGauges({
        epsilon: status.strategist.epsilon,
        qStates: status.strategist.q_states,
        pendingFeedback: status.executor.pending_feedback,
        psiFieldUp: status.psi_field_connected,
        saveFailed: app.engine.lastSaveError !== undefined,
      });
      metrics.observeSettlements(status.settlement.settled_with_default, status.settlement.settled_dropped);
      const log = status.decision_log;
      if (log !== null) metrics.observeDecisionLog({ ...log, failed: log.last_error !== null });
      return reply.type(metrics.contentType).send(await metrics.render());
    },
  );
}

export default fp(metricsPlugin, { name: "aurora-metrics", fastify: "5.x" });
