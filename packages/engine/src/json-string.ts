/**
 * `JSON.stringify(text)` for a string, the same text, without a call into the runtime's JSON
 * serializer for the strings that need no escaping (ids, state keys, statuses, timestamps): ~10 ns
 * for a 36-character id against ~140 ns. Anything that JSON escapes (a quote, a backslash, a
 * control character) or may escape (any surrogate: a lone one is written as `\udXXX`) goes to
 * `JSON.stringify` itself.
 */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** `JSON.stringify(values)` for an array of strings. */
export function jsonStringArray(values: readonly string[]): string {
  if (values.length === 0) return "[]";
  let text = jsonString(values[0] as string);
  for (let i = 1; i < values.length; i++) text += `,${jsonString(values[i] as string)}`;
  return `[${text}]`;
}

/**
 * `${value}` for a finite number, the same text. A whole number above 2³¹ − 1 (a timestamp in
 * milliseconds, say) is a heap number, which V8 11 prints through its general double-to-string
 * path: ~260 ns for 1795738257550, against ~30 ns as two small integers, the second padded to
 * eight digits (docs/benchmarks.md, thirteenth round). Anything else is printed as it is.
 */
export function numberText(value: number): string {
  if (value > 2147483647 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) {
    const high = Math.floor(value / 1e8);
    return `${high}${`${value - high * 1e8 + 1e8}`.slice(1)}`;
  }
  return `${value}`;
}
