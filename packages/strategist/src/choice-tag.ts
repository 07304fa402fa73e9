/**
 * The `Choice.tag` of a composite policy: its own label (an arm name, `"policy"`,
 * `"baseline"`, `"agree"`…), followed by its inner policies' tags as a JSON array when any of
 * them set one: `"policy"`, `"arm-b"`, `'policy["arm-b",null]'`. The label never contains `[`,
 * so the engine can hand the tag back unchanged and each level peels its own part off.
 */
export function composeTag(label: string, inner: readonly (string | undefined)[] = []): string {
  return inner.some((tag) => tag !== undefined) ? `${label}${JSON.stringify(inner.map((tag) => tag ?? null))}` : label;
}

export interface ParsedTag {
  /** `undefined` when the update carried no tag (a decision made before the policy was composite). */
  label: string | undefined;
  /** The inner tags, by position; missing ones are `undefined`. */
  inner: (string | undefined)[];
}

export function parseTag(tag: string | undefined): ParsedTag {
  if (typeof tag !== "string") return { label: undefined, inner: [] };
  const open = tag.indexOf("[");
  if (open < 0) return { label: tag, inner: [] };
  try {
    const parsed: unknown = JSON.parse(tag.slice(open));
    if (Array.isArray(parsed) && parsed.every((t) => t === null || typeof t === "string")) {
      return { label: tag.slice(0, open), inner: parsed.map((t: string | null) => t ?? undefined) };
    }
  } catch {
    // Not ours: treat the whole tag as a label, which no arm will match.
  }
  return { label: tag, inner: [] };
}
