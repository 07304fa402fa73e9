/** A GitHub-flavoured Markdown table; cells are text, numeric-looking columns align right. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((row) => /^[-+~≤≥<>]?[\d.,]+\s?\S{0,5}$/.test(row[c] ?? "")),
  );
  const widths = header.map((h, c) => Math.max(h.length, 3, ...rows.map((row) => (row[c] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map((row) => line(header.map((_, c) => row[c] ?? "")))].join("\n");
}

export const GENERATED_START = "<!-- bench:generated:start -->";
export const GENERATED_END = "<!-- bench:generated:end -->";

/**
 * `document` with the text between the generated-block markers replaced by `block` (markers kept);
 * a document without markers gets the block appended. Text outside the markers is left as written.
 */
export function replaceGenerated(document: string, block: string): string {
  const generated = `${GENERATED_START}\n${block.trim()}\n${GENERATED_END}`;
  const start = document.indexOf(GENERATED_START);
  const end = document.indexOf(GENERATED_END);
  if (start < 0 || end < start) return `${document.trimEnd()}\n\n${generated}\n`;
  return document.slice(0, start) + generated + document.slice(end + GENERATED_END.length);
}

/** A count with thousands separators: 123456.7 → "123,457". */
export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–";
}

/** Microseconds with two significant decimals under 10, one under 100, none above. */
export function micros(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}
