/**
 * Why `error` happened, in one line: its message, or for an `AggregateError` (Node's, when every
 * address of a host failed) the first inner error's, whose message is the one that says something.
 */
export function reasonOf(error: unknown): string {
  const first: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  if (first instanceof Error && first.message !== "") return first.message;
  const code = (first as { code?: unknown } | null | undefined)?.code;
  return code !== undefined ? String(code) : String(first);
}
