import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { z } from "zod";
import type { unauthorizedResponseSchema } from "./response-schemas.js";
import { WWW_AUTHENTICATE } from "./response-schemas.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Reachable without the bearer token (liveness and readiness probes). */
    public?: boolean;
  }
}

export interface AuthPluginOptions {
  /** The shared secret (AURORA_API_TOKEN); undefined turns authentication off. */
  token: string | undefined;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * Bearer-token authentication for every route not marked `config: { public: true }`, unknown
 * routes included. Both tokens are hashed to 32 bytes first, so the comparison takes the same
 * time whatever the given token's length or content.
 */
async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  if (options.token === undefined) return;
  if (typeof options.token !== "string" || options.token.trim() === "") {
    throw new TypeError("auth-plugin: token must be a non-empty string, or undefined to turn authentication off");
  }
  if (options.token.trim() !== options.token) {
    throw new TypeError(
      "auth-plugin: token must not start or end with whitespace: HTTP trims it from the Authorization header, so no request could carry the token",
    );
  }
  const expected = sha256(options.token);

  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    const match = typeof header === "string" ? /^Bearer +(.*)$/i.exec(header) : null;
    const given = sha256(match?.[1] ?? "");
    if (timingSafeEqual(given, expected) && match !== null) return;
    app.metrics.observeHttpError(request.routeOptions.url ?? "(unmatched)", 401);
    // The body /openapi.json documents (its Unauthorized schema).
    const body: z.output<typeof unauthorizedResponseSchema> = {
      error: "unauthorized",
      message:
        header === undefined
          ? "this route needs the header Authorization: Bearer <token>, with the token set in AURORA_API_TOKEN"
          : "the Authorization header does not carry the right bearer token: send Authorization: Bearer <AURORA_API_TOKEN>",
    };
    return reply.code(401).header("www-authenticate", WWW_AUTHENTICATE).send(body);
  });
}

export default fp(authPlugin, { name: "aurora-auth", fastify: "5.x" });
