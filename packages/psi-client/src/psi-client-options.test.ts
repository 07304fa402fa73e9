import { systemClock, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { PsiClientOptions } from "./psi-client-options.js";
import { parsePsiFieldUrl, resolvePsiClientOptions } from "./psi-client-options.js";

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("resolvePsiClientOptions", () => {
  it("defaults to a 250 ms timeout, a 5 s TTL, the auto endpoint and the system clock", () => {
    const resolved = resolvePsiClientOptions({ baseUrl: "http://psi-field:9091" });
    expect(resolved).toMatchObject({ timeoutMs: 250, ttlMs: 5_000, endpoint: "auto", clock: systemClock });
    expect(resolved.baseUrl.href).toBe("http://psi-field:9091/");
    expect(typeof resolved.fetch).toBe("function");
  });

  it("keeps a path prefix so endpoints resolve beneath it", () => {
    expect(parsePsiFieldUrl("https://example.test/psi").href).toBe("https://example.test/psi/");
    expect(new URL("state", parsePsiFieldUrl("https://example.test/psi")).pathname).toBe("/psi/state");
  });

  describe("invalid", () => {
    it.each([
      ["not a URL", "psi-field:9091 oops"],
      ["a relative path", "/state"],
      ["an ftp URL", "ftp://psi-field:9091"],
      ["an empty string", ""],
      ["a URL with a query", "http://psi-field:9091/?x=1"],
      ["a number", 9091],
      ["undefined", undefined],
    ])("refuses %s as the base URL, naming psiFieldUrl", (_name, baseUrl) => {
      const error = refusal(() => resolvePsiClientOptions({ baseUrl } as unknown as PsiClientOptions));
      expect(error.field).toBe("psiFieldUrl");
      expect(error.message).toMatch(/^psiFieldUrl: must be an absolute http\(s\) URL/);
    });

    it.each([
      ["a user and a password", "http://aurora:s3cret@psi-field:9091"],
      ["a password alone", "https://:s3cret@psi-field:9091/psi"],
      ["a password and a query", "http://aurora:s3cret@psi-field:9091/?x=1"],
      ["a password in a URL that does not parse", "http://aurora:s3cret@psi-field:port"],
    ])("refuses a base URL with %s, naming psiFieldUrl without echoing the password", (_name, baseUrl) => {
      const error = refusal(() => resolvePsiClientOptions({ baseUrl }));
      expect(error.field).toBe("psiFieldUrl");
      expect(error.message).toMatch(/^psiFieldUrl: must be an absolute http\(s\) URL/);
      expect(error.message).not.toContain("s3cret");
      expect(error.cause).toBeUndefined();
    });

    it("says how to authenticate instead of putting credentials in the base URL", () => {
      const error = refusal(() => resolvePsiClientOptions({ baseUrl: "http://aurora:s3cret@psi-field:9091" }));
      expect(error.message).toBe(
        'psiFieldUrl: must be an absolute http(s) URL such as http://psi-field:9091, without credentials: remove the user:password@ part (got one for host "psi-field:9091"); to authenticate, pass a fetch that adds an Authorization header',
      );
    });

    it.each([
      ["timeoutMs", { timeoutMs: 0 }],
      ["timeoutMs", { timeoutMs: 2.5 }],
      ["timeoutMs", { timeoutMs: Number.NaN }],
      ["ttlMs", { ttlMs: -1 }],
      ["endpoint", { endpoint: "metrics" }],
      ["fetch", { fetch: "fetch" }],
      ["clock", { clock: { now: 5 } }],
    ])("names %s when it is wrong", (field, extra) => {
      const error = refusal(() =>
        resolvePsiClientOptions({ baseUrl: "http://psi-field:9091", ...extra } as unknown as PsiClientOptions),
      );
      expect(error.field).toBe(field);
    });
  });
});
