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

/**
 * `value` (an object or an array) as a value that writes its own pieces, member by member: a
 * member that writes its own pieces (a policy's copied table inside a composite policy's
 * snapshot) does so wherever `value` sits, and every other member is `JSON.stringify`'d.
 * `JSON.stringify` of it (through its `toJSON`) gives the same text.
 */
export function piecewise<T extends object>(value: T): JsonPieces & { toJSON(): T } {
  return {
    toJSON: () => value,
    *[JSON_PIECES]() {
      if (Array.isArray(value)) {
        yield "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) yield ",";
          const item: unknown = value[i];
          if (hasJsonPieces(item)) yield* item[JSON_PIECES]();
          else yield JSON.stringify(item) ?? "null";
        }
        yield "]";
        return;
      }
      let separator = "{";
      for (const key of Object.keys(value)) {
        const member: unknown = (value as Record<string, unknown>)[key];
        const text = hasJsonPieces(member) ? undefined : JSON.stringify(member);
        if (text === undefined && !hasJsonPieces(member)) continue; // left out, as JSON.stringify leaves out undefined and functions
        yield `${separator}${JSON.stringify(key)}:`;
        separator = ",";
        if (text === undefined) yield* (member as JsonPieces)[JSON_PIECES]();
        else yield text;
      }
      yield separator === "{" ? "{}" : "}";
    },
  };
}
