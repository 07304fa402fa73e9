import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The body of the real Ψ-Field service's `GET /state`: numbers, and an ISO timestamp. */
export interface PsiFieldState {
  /** Ψ density, 0–1: what the engine's Ψ-aware exploration reads. */
  Psi: number;
  /** Coherence, 0–1. */
  C: number;
  U: number;
  /** Integrated coherence, 0–1 (the client's fallback for C). */
  Phi: number;
  /** Entropy, 0–1. */
  H: number;
  PE: number;
  M: number;
  dt_eff: number;
  k: number;
  timestamp: string;
}

export interface PsiFieldStandInOptions {
  /** What `GET /state` answers until `set` changes it. */
  state: PsiFieldState;
  /** Default 127.0.0.1: the stand-in is for this machine only. */
  host?: string;
  /** Default 0: any free port (read `url`). */
  port?: number;
}

/**
 * A local stand-in for the Ψ-Field service: `GET /state` answers the state it was last given,
 * in the real service's shape, and `GET /health` answers `{"status":"ok"}`. It computes
 * nothing: the demo scripts its values (see `psi-script.ts`).
 */
export class PsiFieldStandIn {
  readonly #server: Server;
  #url = "";
  #state: PsiFieldState;
  #stateRequests = 0;

  private constructor(state: PsiFieldState) {
    this.#state = { ...state };
    this.#server = createServer((request, response) => this.#handle(request, response));
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: PsiFieldStandInOptions): Promise<PsiFieldStandIn> {
    const host = options.host ?? "127.0.0.1";
    const standIn = new PsiFieldStandIn(options.state);
    const server = standIn.#server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    standIn.#url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return standIn;
  }

  /** Base URL to give the engine as `psiFieldUrl`, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  get state(): PsiFieldState {
    return { ...this.#state };
  }

  /** How many `GET /state` requests it answered. */
  get stateRequests(): number {
    return this.#stateRequests;
  }

  /** What `GET /state` answers from now on. */
  set(state: PsiFieldState): void {
    this.#state = { ...state };
  }

  /** Stops listening and drops open keep-alive connections. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? "/", "http://stand-in").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(
        response,
        405,
        { error: "method not allowed: the Ψ-Field stand-in answers GET /state and GET /health" },
        { allow: "GET, HEAD" },
      );
      return;
    }
    if (path === "/state") {
      this.#stateRequests++;
      send(response, 200, this.#state);
    } else if (path === "/health") {
      send(response, 200, { status: "ok" });
    } else {
      send(response, 404, { error: `no route ${path}: the Ψ-Field stand-in answers GET /state and GET /health` });
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(response.req.method === "HEAD" ? undefined : text);
}
