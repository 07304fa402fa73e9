import { reasonOf } from "./error-reason.js";

/**
 * The PostgreSQL store named by DATABASE_URL could not be opened at start: the database is not
 * reachable, refused the login, or could not give back the model. The message names DATABASE_URL
 * (never its text, which may hold a password) and the schema; the driver's error is kept as `cause`.
 */
export class StoreOpenError extends Error {
  readonly variable = "DATABASE_URL";

  constructor(schema: string, cause: unknown) {
    super(
      `DATABASE_URL: cannot open the PostgreSQL store (schema "${schema}"): ${reasonOf(cause)}: check the host, port, user, password and database it names, and that PostgreSQL is reachable from here`,
      { cause },
    );
    this.name = "StoreOpenError";
  }
}
