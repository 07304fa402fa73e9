export { isSystemSchemaName, migrate, migrations } from "./migrations.js";
export type { PostgresStoreOptions } from "./postgres-store.js";
export { EventRefusedError, PostgresStore, StoreUnavailableError } from "./postgres-store.js";
export type { PgliteLike, SqlClient, SqlQueryable } from "./sql-client.js";
export { pgClient, pgliteClient, QueryTimeoutError } from "./sql-client.js";
export { decodeStoredValue } from "./stored-text.js";
