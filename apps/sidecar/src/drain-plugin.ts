import type { Socket } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ENGINE_CLOSED_BODY } from "./engine-closed.js";

/** What the drain knows of one open connection. */
interface Connection {
  /** Requests whose body has arrived whole (so they may reach the engine) and whose answer is not sent yet. */
  admitted: number;
  /** An answer with `Connection: close` has been sent on it: Node closes the socket after that answer. */
  closing: boolean;
}

/**
 * Graceful shutdown, per connection. While the app closes:
 *
 * - a connection with no admitted request (none yet, headers or a body still arriving, or idle
 *   between requests) is destroyed at once: nothing on it reached the engine or was acknowledged,
 *   and `server.close()` would otherwise wait on it until SHUTDOWN_TIMEOUT_MS;
 * - on the others, every admitted request is answered, and only the answer of the last one in
 *   flight says `Connection: close`. Pipelined answers go out in request order and Node closes the
 *   socket after the one that says close, so marking an earlier one would drop the answers of
 *   later requests the engine had already taken. Once an answer says close, a request whose body
 *   completes behind it is refused with 503 before it reaches the engine (its answer could not be
 *   delivered). If answers finish out of that order and none could say close, the socket is
 *   ended after the last of them.
 *
 * A request is admitted when its body is whole (Fastify's `preValidation`); one whose headers
 * arrive after closing began (on a connection with an answer still due) is answered 503
 * `shutting_down` here, before its body is read, as the API documents it (Fastify's own
 * `return503OnClosing` answer has another shape, so it is off).
 */
async function drainPlugin(app: FastifyInstance): Promise<void> {
  let draining = false;
  const connections = new Map<Socket, Connection>();
  const admitted = new WeakSet<FastifyRequest>();

  // Node's server.close() destroys every connection whose current answer has been ended, even one
  // still being written or with pipelined requests behind it that the engine has taken: their
  // answers would be lost. The preClose hook below closes the connections that are really idle.
  app.server.closeIdleConnections = () => {};

  app.server.on("connection", (socket: Socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    connections.set(socket, { admitted: 0, closing: false });
    socket.once("close", () => connections.delete(socket));
  });

  app.addHook("preClose", (done) => {
    draining = true;
    for (const [socket, connection] of connections) {
      if (connection.admitted === 0) socket.destroy();
    }
    done();
  });

  app.addHook("onRequest", (request, reply, done) => {
    if (!draining) {
      done();
      return;
    }
    app.metrics.observeHttpError(request.routeOptions.url ?? "(unmatched)", 503);
    reply.code(503).send(ENGINE_CLOSED_BODY);
  });

  app.addHook("preValidation", (request, reply, done) => {
    const connection = connections.get(request.raw.socket);
    if (connection === undefined) {
      done();
      return;
    }
    if (connection.closing) {
      app.metrics.observeHttpError(request.routeOptions.url ?? "(unmatched)", 503);
      reply.code(503).send(ENGINE_CLOSED_BODY);
      return;
    }
    connection.admitted++;
    admitted.add(request);
    done();
  });

  app.addHook("onSend", (request, reply, payload, done) => {
    if (draining) {
      const connection = connections.get(request.raw.socket);
      const others = connection === undefined ? 0 : connection.admitted - (admitted.has(request) ? 1 : 0);
      if (others === 0) {
        reply.header("connection", "close");
        if (connection !== undefined) connection.closing = true;
      }
    }
    done(null, payload);
  });

  app.addHook("onResponse", (request, _reply, done) => {
    const connection = connections.get(request.raw.socket);
    if (connection !== undefined && admitted.delete(request)) {
      connection.admitted--;
      if (draining && connection.admitted === 0 && !connection.closing) request.raw.socket.destroySoon();
    }
    done();
  });
}

export default fp(drainPlugin, { name: "aurora-drain", fastify: "5.x" });
