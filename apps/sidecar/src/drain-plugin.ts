import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

/**
 * While the app closes, answers requests still in flight with `Connection: close`. `server.close()`
 * only reaps sockets idle at that moment; without this, the keep-alive socket of a request that
 * finishes during shutdown would hold the server open until the client dropped it.
 */
async function drainPlugin(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });
}

export default fp(drainPlugin, { name: "aurora-drain", fastify: "5.x" });
