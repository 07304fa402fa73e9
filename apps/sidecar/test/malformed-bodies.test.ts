import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, postJson, testApp } from "./fixtures.js";

/** A valid body with one field, at any depth, replaced by anything at all. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(valid, []);
  const anything = fc.oneof(
    fc.anything(),
    fc.constantFrom(null, -1, 1e308, -0, "", "__proto__", [], {}, Number.MAX_SAFE_INTEGER, "NaN", true),
  );
  return fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), anything).map(([path, replacement]) => {
    const copy = structuredClone(valid) as Record<string | number, unknown>;
    let cursor = copy;
    for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
    cursor[path[path.length - 1]!] = replacement;
    return copy;
  });
}

/** A raw body: JSON of anything, a mutated valid record, broken JSON, or random text. */
const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  mutated(DECIDE_BODY).map((v) => JSON.stringify(v) ?? "null"),
  mutated({ decision_id: "d-1", ...OUTCOME }).map((v) => JSON.stringify(v) ?? "null"),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
  fc.constantFrom(
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    "[".repeat(10_000),
    `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
    "{}".repeat(1000),
  ),
);

describe("malformed bodies", () => {
  const app = testApp();
  afterAll(() => app.close());

  it("never answer 5xx, always answer JSON naming the error, and leave the server answering", async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/decide", "/feedback"), rawBody, async (url, payload) => {
        sent++;
        const answer = await app.inject({ method: "POST", url, payload, headers: { "content-type": "application/json" } });
        expect(answer.statusCode).toBeLessThan(500);
        if (answer.statusCode >= 400) {
          const body = answer.json();
          expect(typeof body.error).toBe("string");
          expect(typeof body.message).toBe("string");
          expect(typeof body.field === "string" || answer.statusCode === 404).toBe(true);
        }
      }),
      { numRuns: 2_500, seed: 20_251_125 },
    );
    expect(sent).toBeGreaterThanOrEqual(2_000);

    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const decided = await postJson(app, "/decide", DECIDE_BODY);
    expect(decided.statusCode).toBe(200);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  }, 120_000);
});
