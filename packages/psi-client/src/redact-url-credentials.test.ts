import { describe, expect, it } from "vitest";
import { redactUrlCredentials } from "./redact-url-credentials.js";

describe("redactUrlCredentials", () => {
  it("hides the user and password of every URL in the text", () => {
    expect(redactUrlCredentials("proxy http://aurora:s3cret@proxy.test:3128/ refused; see https://ops@wiki.test/psi?q=1")).toBe(
      "proxy http://***@proxy.test:3128/ refused; see https://***@wiki.test/psi?q=1",
    );
  });

  it("hides a password that holds an @ up to the host", () => {
    expect(redactUrlCredentials("http://aurora:s3@cret@psi-field:9091/state")).toBe("http://***@psi-field:9091/state");
  });

  it("leaves a URL without credentials, and an @ in a path or a query, alone", () => {
    const text = "GET http://psi-field:9091/state failed; mail ops@example.test or see http://h/a@b?to=x@y";
    expect(redactUrlCredentials(text)).toBe(text);
  });
});
