/**
 * PostgreSQL cannot hold every JavaScript string: `text` refuses U+0000, `jsonb` refuses `\u0000`
 * and unpaired UTF-16 surrogates, and `pg` writes a lone surrogate to `text` as U+FFFD, so two
 * different ids would become one. The engine accepts such strings (JSON allows them; the other
 * stores keep them exactly), so the store writes every string through a reversible escape: U+0000,
 * a lone surrogate, and the escape mark itself become the mark followed by the code unit in four
 * lower-case hex digits. Any other string is stored as it is, so rows stay readable in SQL.
 *
 * The mark is U+FDD0, a noncharacter: Unicode reserves it for a program's internal use, so text
 * from elsewhere does not carry it (rows written before the escape existed hold none).
 */
const MARK = "\uFDD0";

/** What needs the escape: U+0000, the mark, a high surrogate with no low one after it, a low one with no high one before it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is one of the characters PostgreSQL refuses.
const UNSTORABLE = /[\u0000\uFDD0]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, "g");
const ESCAPED = /\uFDD0([0-9a-f]{4})/g;

/**
 * In JSON text from `JSON.stringify`: an escaped backslash (kept, so that the backslash after it
 * never starts an escape), `\u0000` or an escaped surrogate (`JSON.stringify` escapes only lone
 * ones, in lower case), or the mark.
 */
const UNSTORABLE_IN_JSON = /\\(?:\\|u(0000|d[89a-f][0-9a-f]{2}))|\uFDD0/g;

const escapeUnit = (unit: string): string => MARK + unit.charCodeAt(0).toString(16).padStart(4, "0");

/** `text` as the store writes it to a `text` column: reversible with {@link decodeText}. */
export function encodeText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, escapeUnit) : text;
}

/** The string {@link encodeText} was given. */
export function decodeText(text: string): string {
  return text.includes(MARK) ? text.replace(ESCAPED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : text;
}

/**
 * `JSON.stringify(value)` turned into the JSON of `value` with every string (keys included)
 * through {@link encodeText}: what the store writes to a `jsonb` column.
 */
export function encodeJsonText(json: string): string {
  if (!json.includes("\\u0000") && !json.includes("\\ud") && !json.includes(MARK)) return json;
  return json.replace(UNSTORABLE_IN_JSON, (match, unit: string | undefined) => {
    if (match === MARK) return escapeUnit(MARK);
    return unit === undefined ? match : MARK + unit;
  });
}

/**
 * JSON text of a stored `jsonb` value (`column::text`) turned back into the JSON that was encoded:
 * the mark appears only inside strings, and each escape becomes the JSON escape of its code unit.
 */
export function decodeJsonText(json: string): string {
  return json.includes(MARK) ? json.replace(ESCAPED, "\\u$1") : json;
}

/**
 * A stored value as read from the database (a `text` column's string, or a `jsonb` column parsed
 * by `pg`) with every string and key restored: what the store was given. Use it on rows you read
 * yourself, e.g. `audit_trail.record` before `verifyAuditChain`.
 */
export function decodeStoredValue<T>(value: T): T {
  if (typeof value === "string") return decodeText(value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => decodeStoredValue(item)) as T;
  // fromEntries defines each key as an own property, `__proto__` included.
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [decodeText(key), decodeStoredValue(member)])) as T;
}
