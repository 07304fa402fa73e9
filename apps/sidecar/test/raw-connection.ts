import { connect, type Socket } from "node:net";

/** One HTTP/1.1 answer as read off the wire. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/** A request written by hand, with its Content-Length. */
export function rawRequest(method: string, path: string, body?: string, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, "Host: aurora"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
}

/**
 * A TCP connection to an HTTP server that writes whatever it is given (pipelined requests, half
 * a request) and parses the answers as they come (bodies framed by Content-Length), so a test
 * sees exactly which requests were answered before the server closed the connection.
 */
export class RawConnection {
  readonly responses: RawResponse[] = [];
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  /** Chunks not yet in `#buffer`, joined only once the answer under way can be complete (large bodies). */
  readonly #chunks: Buffer[] = [];
  #received = 0;
  #needed = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#received += chunk.length;
      if (this.#received < this.#needed) return;
      this.#buffer = Buffer.concat([this.#buffer, ...this.#chunks.splice(0)]);
      this.#parse();
      this.#received = this.#buffer.length;
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  /** Resolves once `count` answers have been read. */
  answered(count: number): Promise<void> {
    if (this.responses.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  get isClosed(): boolean {
    return this.#socket.destroyed;
  }

  write(text: string): void {
    this.#socket.write(text);
  }

  /** Stop reading: the server's answers pile up in the socket buffers until `resume()`. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine = "", ...headerLines] = this.#buffer.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      this.#needed = end + 4 + length;
      if (this.#buffer.length < this.#needed) return;
      this.#needed = 0;
      const body = this.#buffer.subarray(end + 4, end + 4 + length).toString("utf8");
      this.#buffer = this.#buffer.subarray(end + 4 + length);
      this.responses.push({ status: Number(statusLine.split(" ")[1]), headers, body });
      this.#waiters = this.#waiters.filter((waiter) => {
        if (this.responses.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    }
  }
}
