import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote } from "./shell-quote.js";

/** What /bin/sh makes of the quoted word: the argument it would pass on. */
const readBack = (word: string) => execFileSync("/bin/sh", ["-c", `printf %s ${word}`], { encoding: "utf8" });

describe("shellQuote", () => {
  it("leaves a plain argument as it is", () => {
    for (const plain of ["everything", "my-market.json", "q-learning", "5000", "a_b@c%d+e=f:g,h./i"]) {
      expect(shellQuote(plain)).toBe(plain);
    }
  });

  it("single-quotes an argument with spaces, quotes or shell syntax", () => {
    expect(shellQuote("my market.json")).toBe("'my market.json'");
    expect(shellQuote("it's.json")).toBe("'it'\\''s.json'");
    expect(shellQuote("")).toBe("''");
  });

  it("gives back, through a real shell, exactly the argument it quoted", () => {
    for (const argument of [
      "my market.json",
      "it's.json",
      "$(touch x)`y`;z|w&v",
      'a "b" \\c',
      "*.json ~ !x",
      "tab\there",
      "new\nline",
      "",
    ]) {
      expect(readBack(shellQuote(argument))).toBe(argument);
    }
  });
});
