import { describe, expect, it } from "vitest";
import { count, GENERATED_END, GENERATED_START, markdownTable, micros, replaceGenerated } from "./markdown.js";

describe("markdownTable", () => {
  it("pads cells, aligning numeric columns right", () => {
    expect(
      markdownTable(
        ["name", "pairs/s"],
        [
          ["q-learning", "201,234"],
          ["rule", "9"],
        ],
      ),
    ).toBe(
      ["| name       | pairs/s |", "|------------|--------:|", "| q-learning | 201,234 |", "| rule       |       9 |"].join("\n"),
    );
  });
});

describe("replaceGenerated", () => {
  it("replaces only the text between the markers", () => {
    const document = `# Title\n\nwritten by hand\n\n${GENERATED_START}\nold\n${GENERATED_END}\n\nafter\n`;
    expect(replaceGenerated(document, "new\n")).toBe(
      `# Title\n\nwritten by hand\n\n${GENERATED_START}\nnew\n${GENERATED_END}\n\nafter\n`,
    );
  });

  it("appends the block to a document without markers", () => {
    expect(replaceGenerated("# Title\n", "table")).toBe(`# Title\n\n${GENERATED_START}\ntable\n${GENERATED_END}\n`);
  });
});

describe("count and micros", () => {
  it("formats counts with separators and microseconds by magnitude", () => {
    expect(count(123456.7)).toBe("123,457");
    expect(count(Number.NaN)).toBe("–");
    expect([micros(1.23456), micros(12.3456), micros(123.456)]).toEqual(["1.23", "12.3", "123"]);
  });
});
