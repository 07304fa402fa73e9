import type { RoutingEngine } from "@aurora/engine";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import Fastify, { LogController } from "fastify";
import authPlugin from "./auth-plugin.js";
import { clientErrorReply } from "./client-error.js";
import type { SidecarConfig } from "./config.js";
import drainPlugin from "./drain-plugin.js";
import enginePlugin from "./engine-plugin.js";
import errorHandler, { frameworkErrorReply } from "./error-handler.js";
import { parseJsonBody } from "./json-body-parser.js";
import metricsPlugin from "./metrics-plugin.js";
import requestLogPlugin from "./request-log-plugin.js";
import { auditRoute } from "./routes/audit.js";
import { decideRoute } from "./routes/decide.js";
import { decisionsRoute } from "./routes/decisions.js";
import { feedbackRoute } from "./routes/feedback.js";
import { healthzRoute } from "./routes/healthz.js";
import { openApiRoute } from "./routes/openapi.js";
import { policiesRoute } from "./routes/policies.js";
import { readyzRoute } from "./routes/readyz.js";
import { statusRoute } from "./routes/status.js";

export interface AppDependencies {
  /** Use this engine instead of building one from the config; the app closes it on close. */
  engine?: RoutingEngine;
  /** A pino (or pino-compatible) logger; default: pino at `config.logLevel`, JSON to stdout. */
  logger?: FastifyBaseLogger;
  /** Export Node's process metrics on /metrics. Default true. */
  processMetrics?: boolean;
}

/**
 * The sidecar as a Fastify instance, not yet listening: `await app.listen(...)` to serve,
 * `app.inject(...)` to test, `await app.close()` to stop (in-flight requests finish, then the
 * engine closes and flushes the model).
 */
export function buildApp(config: SidecarConfig, deps: AppDependencies = {}): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: { level: config.logLevel } }),
    // Fastify's two info lines per request cost more than a decision; see request-log-plugin.ts.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // Decision ids are up to 200 characters (idSchema), percent-encoded in /decisions/:id at up
    // to 12 characters each; past Fastify's default of 100 the route would answer "no route".
    routerOptions: { maxParamLength: 2400 },
    // Requests that arrive while the app closes are refused by the drain plugin, in the API's shape.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorReply,
    // Requests Node's HTTP parser refuses (bad request line, headers or body framing) never reach
    // Fastify's router: answered here, in the same shape and counted (see client-error.ts).
    clientErrorHandler: clientErrorReply,
    forceCloseConnections: "idle",
  });

  // JSON only: other media types get 415 instead of reaching the engine as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, parseJsonBody);
  // Response schemas document and are contract-tested; JSON.stringify serializes the loose
  // engine records exactly and avoids fast-json-stringify's slow paths for nullable unions.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.register(errorHandler, { bodyLimit: config.bodyLimit });
  app.register(authPlugin, { token: config.apiToken });
  app.register(requestLogPlugin);
  app.register(drainPlugin);
  app.register(enginePlugin, { config, ...(deps.engine ? { engine: deps.engine } : {}) });
  app.register(metricsPlugin, { processMetrics: deps.processMetrics ?? true });

  app.register(decideRoute);
  app.register(feedbackRoute);
  app.register(decisionsRoute);
  app.register(policiesRoute);
  app.register(statusRoute);
  app.register(auditRoute);
  app.register(healthzRoute);
  app.register(readyzRoute, { modelPath: config.modelPath });
  app.register(openApiRoute);
  return app;
}
