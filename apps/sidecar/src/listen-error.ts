import { reasonOf } from "./error-reason.js";

const NAME_NOT_RESOLVED = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);

/**
 * The server could not listen on HOST and PORT. The message starts with the variable to change
 * (`HOST: …` for a name that does not resolve or an address this machine does not have,
 * `PORT: …` for a port in use or one that needs privileges) and says what to do; the system's
 * error is kept as `cause`.
 */
export class ListenError extends Error {
  /** The variable to change. */
  readonly variable: "HOST" | "PORT";

  constructor(host: string, port: number, cause: unknown) {
    const code = String((cause as { code?: unknown } | null | undefined)?.code ?? "");
    const reason = reasonOf(cause);
    const quoted = JSON.stringify(host);
    let variable: "HOST" | "PORT" = "HOST";
    let message: string;
    if (code === "EADDRINUSE") {
      variable = "PORT";
      message = `${port} is already in use on ${host} (${reason}): stop what holds it, or set PORT to a free port (0 picks one)`;
    } else if (code === "EACCES") {
      variable = "PORT";
      message = `${port} needs privileges this process does not have (${reason}): set PORT to 1024 or above`;
    } else if (code === "EADDRNOTAVAIL") {
      message = `${quoted} is not an address of this machine (${reason}): set HOST to one of its addresses, such as 127.0.0.1, or 0.0.0.0 for all of them`;
    } else if (NAME_NOT_RESOLVED.has(code)) {
      message = `${quoted} does not resolve to an address (${reason}): set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0, or to a name that resolves to one`;
    } else {
      message = `cannot listen on ${quoted}, port ${port} (${reason}): check HOST and PORT`;
    }
    super(`${variable}: ${message}`, { cause });
    this.name = "ListenError";
    this.variable = variable;
  }
}
