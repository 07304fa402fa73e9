import { describe, expect, it } from "vitest";
import { assertSchemaName } from "./migrations.js";
import { PostgresStore } from "./postgres-store.js";

describe("assertSchemaName", () => {
  it.each(["aurora", "_fleet", "aurora_2", "pgx", "p".repeat(63)])("accepts %s", (schema) => {
    expect(assertSchemaName(schema)).toBe(schema);
  });

  describe("invalid", () => {
    it.each(["Aurora", "a;drop", "2fleet", "", "p".repeat(64)])(
      "refuses %j, which is not a plain lower-case identifier",
      (schema) => {
        expect(() => assertSchemaName(schema)).toThrow(
          `schema must be a lower-case SQL identifier such as "aurora" (letters, digits, _), got ${JSON.stringify(schema)}`,
        );
      },
    );

    it.each(["information_schema", "pg_catalog", "pg_temp", "pg_toast", "pg_aurora"])(
      "refuses %s, a schema of PostgreSQL's own, before connecting",
      (schema) => {
        const message = `schema must not be one of PostgreSQL's own schemas (information_schema, or a name starting with pg_), got "${schema}": pick another, such as "aurora"`;
        expect(() => assertSchemaName(schema)).toThrow(message);
        // The store refuses it in its constructor: nothing is created in the system's schema.
        expect(() => new PostgresStore({ connectionString: "postgres://nobody@127.0.0.1:1/none", schema })).toThrow(message);
      },
    );
  });
});
