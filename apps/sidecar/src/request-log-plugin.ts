import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

/**
 * One log line per answered request, at debug level. Fastify's own request logging (two info
 * lines per request) is disabled in `buildApp` to keep the decide path lean; this hook is only
 * installed when the logger is at debug or trace, so at info it costs nothing.
 */
async function requestLogPlugin(app: FastifyInstance): Promise<void> {
  if (app.log.level !== "debug" && app.log.level !== "trace") return;
  app.addHook("onResponse", async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 1000) / 1000 },
      "request",
    );
  });
}

export default fp(requestLogPlugin, { name: "aurora-request-log", fastify: "5.x" });
