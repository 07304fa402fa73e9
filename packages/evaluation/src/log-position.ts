/** Where a decision was read: the reader's source (a file path, or a caller's name) and the 1-based line number. */
export interface LogPosition {
  readonly source: string;
  readonly lineNumber: number;
}

const POSITION = Symbol("aurora.evaluation.logPosition");

/**
 * Records on a parsed line where it was read, so a check made later over the whole log (a
 * repeated `decision_id`) can name file lines rather than positions in the stream. The property
 * is a non-enumerable symbol: JSON, `Object.keys` and deep equality do not see it.
 */
export function markPosition<T extends object>(line: T, source: string, lineNumber: number): T {
  Object.defineProperty(line, POSITION, { value: { source, lineNumber } satisfies LogPosition });
  return line;
}

/** Where a line was read, when a reader of this package read it (`readDecisionLog`, `parseDecisionLog`). */
export function positionOf(line: object): LogPosition | undefined {
  return (line as { [POSITION]?: LogPosition })[POSITION];
}
