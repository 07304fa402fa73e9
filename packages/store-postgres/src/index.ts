export { PostgresStore, StoreUnavailableError } from "./postgres-store.js";
export type { PostgresStoreOptions } from "./postgres-store.js";
export { migrate, migrations } from "./migrations.js";
export { pgClient, pgliteClient } from "./sql-client.js";
export type { SqlClient, SqlQueryable, PgliteLike } from "./sql-client.js";
