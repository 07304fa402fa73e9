import { contextSchema, providerSchema } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider } from "../test/log-lines.js";
import { AlwaysProvider, alwaysProvider } from "./always-provider.js";

const request = (...ids: string[]) => ({
  stateKey: "llm_inference:a100:us-west",
  context: contextSchema.parse(context),
  candidates: ids.map((id) => providerSchema.parse(provider(id))),
});

describe("alwaysProvider", () => {
  it("picks its provider with probability 1 when it is a candidate", () => {
    const target = alwaysProvider("b");
    expect(target.name).toBe("always:b");
    expect(target.probabilities(request("a", "b", "c"))).toEqual([0, 1, 0]);
  });

  it("is uniform over the candidates when its provider is not one of them", () => {
    expect(alwaysProvider("z").probabilities(request("a", "b", "c", "d"))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("treats __proto__ as an ordinary id", () => {
    expect(alwaysProvider("__proto__").probabilities(request("constructor", "__proto__"))).toEqual([0, 1]);
  });

  it("counts the requests it answered and those where its provider was a candidate", () => {
    const target = alwaysProvider("b");
    target.probabilities(request("a", "b"));
    target.probabilities(request("a", "c"));
    target.probabilities(request("c", "d", "a"));
    expect(target).toBeInstanceOf(AlwaysProvider);
    expect(target.requests).toBe(3);
    expect(target.requestsAsCandidate).toBe(1);
    // From the requests without it, in order of first appearance: ids to suggest for a misspelt one.
    expect(target.otherCandidateIds()).toEqual(["a", "c", "d"]);
  });

  it("refuses an empty id", () => {
    expect(() => alwaysProvider("")).toThrow("provider_id: must be a non-empty provider id");
  });
});
