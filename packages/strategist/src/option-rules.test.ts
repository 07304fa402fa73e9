import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { describeValue, integerRule, numberRule, resolveOptions } from "./option-rules.js";

const rules = {
  rate: numberRule(0.5, (v) => v > 0 && v < 1, "must be a number between 0 and 1 (a rate)"),
  draws: integerRule(100, 10, 1000, "draws"),
};

describe("resolveOptions", () => {
  it("fills in defaults and keeps what is given; undefined means the default", () => {
    expect(resolveOptions("demo", rules, undefined)).toEqual({ rate: 0.5, draws: 100 });
    expect(resolveOptions("demo", rules, { rate: 0.2, draws: undefined })).toEqual({ rate: 0.2, draws: 100 });
  });

  it("names a bad option, says what it must be and what it got", () => {
    expect(() => resolveOptions("demo", rules, { rate: 2 })).toThrow(
      /^rate: must be a number between 0 and 1 \(a rate\), got 2$/,
    );
    expect(() => resolveOptions("demo", rules, { draws: 10.5 })).toThrow(
      /^draws: must be a whole number from 10 to 1,000 \(draws\), got 10\.5$/,
    );
    expect(() => resolveOptions("demo", rules, { rate: "0.2" })).toThrow(/got "0\.2"$/);
  });

  it("refuses an unknown option, pointing a snake_case name to its camelCase twin", () => {
    expect(() => resolveOptions("demo", { maxDraws: rules.draws }, { max_draws: 10 })).toThrow(
      /^max_draws: is not a demo option: did you mean maxDraws\? use maxDraws$/,
    );
    expect(() => resolveOptions("demo", rules, { temperature: 1 })).toThrow(
      /^temperature: is not a demo option: use rate, draws$/,
    );
  });

  it("reports every problem, prefixed with the root when given", () => {
    try {
      resolveOptions("demo", rules, { rate: 0, draws: 0 }, "params");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["params.rate", "params.draws"]);
    }
  });

  it("refuses options that are not an object", () => {
    expect(() => resolveOptions("demo", rules, [1])).toThrow(/^\(root\): must be an object of demo options$/);
    expect(() => resolveOptions("demo", rules, null, "params")).toThrow(/^params: /);
  });
});

describe("describeValue", () => {
  it("renders numbers, strings, null and other types for messages", () => {
    expect([1.5, "x", null, {}, undefined].map(describeValue)).toEqual(["1.5", '"x"', "null", "object", "undefined"]);
  });
});
