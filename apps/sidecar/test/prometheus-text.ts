import { expect } from "vitest";

/** One sample line of the Prometheus text exposition format 0.0.4, its label values unescaped. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The series' identity as Prometheus sees it: the name and the (unescaped) label values. */
  series: string;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
/** A sample line as the format defines it: name, optional `{label="value",…}`, value, optional timestamp. */
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

/**
 * Parses a scrape, failing the test on a line that is not valid exposition text, on text that
 * is not well-formed Unicode (it would reach the scraper as U+FFFD), or on a series given twice.
 */
export function parseExposition(text: string): Sample[] {
  expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text);
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    expect(match, `not a valid sample line: ${JSON.stringify(line)}`).not.toBeNull();
    const [, name = "", labelText = "", value = ""] = match!;
    const labels: Record<string, string> = {};
    for (const [, label = "", escaped = ""] of labelText.matchAll(LABEL_PAIR)) {
      labels[label] = escaped.replace(/\\([\\"n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    expect(seen.has(series), `series given twice: ${series}`).toBe(false);
    seen.add(series);
    samples.push({ name, labels, value: Number(value), series });
  }
  return samples;
}
