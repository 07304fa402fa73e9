export { migrate, migrations } from "./migrations.js";
export type { PostgresStoreOptions } from "./postgres-store.js";
export { PostgresStore, StoreUnavailableError } from "./postgres-store.js";
export type { PgliteLike, SqlClient, SqlQueryable } from "./sql-client.js";
export { pgClient, pgliteClient } from "./sql-client.js";
