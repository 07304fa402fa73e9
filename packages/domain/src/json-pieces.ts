/**
 * A value that writes its own JSON a piece at a time: a writer that meets an object with a
 * `[JSON_PIECES]` method joins what the method yields instead of calling `JSON.stringify` on it
 * (which, through the object's `toJSON`, must give the same JSON up to key order). Used for
 * snapshots too large to build as one object or one string without stalling the event loop.
 */
export const JSON_PIECES: unique symbol = Symbol.for("aurora.json-pieces") as never;

export interface JsonPieces {
  [JSON_PIECES](): Iterable<string>;
}

/** True when `value` writes its own JSON pieces. */
export function hasJsonPieces(value: unknown): value is JsonPieces {
  return typeof value === "object" && value !== null && typeof (value as Partial<JsonPieces>)[JSON_PIECES] === "function";
}
