import { describe, expect, it } from "vitest";
import { composeTag, parseTag } from "./choice-tag.js";

describe("composeTag / parseTag", () => {
  it("is the bare label when no inner policy set a tag", () => {
    expect(composeTag("arm-b", [undefined])).toBe("arm-b");
    expect(parseTag("arm-b")).toEqual({ label: "arm-b", inner: [] });
  });

  it("appends the inner tags as a JSON array when any is set, and peels them off again", () => {
    const tag = composeTag("policy", ["arm-a", undefined]);
    expect(tag).toBe('policy["arm-a",null]');
    expect(parseTag(tag)).toEqual({ label: "policy", inner: ["arm-a", undefined] });
  });

  it("nests: each level peels its own label", () => {
    const outer = composeTag("agree", [composeTag("learned", ['explore["x"]']), undefined]);
    const { label, inner } = parseTag(outer);
    expect(label).toBe("agree");
    expect(parseTag(inner[0])).toEqual({ label: "learned", inner: ['explore["x"]'] });
  });

  it("has no label without a tag, and takes a foreign tag whole", () => {
    expect(parseTag(undefined)).toEqual({ label: undefined, inner: [] });
    expect(parseTag("weird[not json")).toEqual({ label: "weird[not json", inner: [] });
    expect(parseTag("weird[1,2]")).toEqual({ label: "weird[1,2]", inner: [] });
  });
});
