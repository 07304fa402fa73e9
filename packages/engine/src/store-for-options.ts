import { AuroraError } from "@aurora/domain";
import type { ResolvedEngineOptions } from "./engine-options.js";
import type { EngineStore, Recovered } from "./engine-store.js";
import { FileStore } from "./file-store.js";

/** A store that can only open asynchronously was handed to `new RoutingEngine`. */
export class AsyncStoreError extends AuroraError {
  constructor(kind: string) {
    super(
      "ASYNC_STORE",
      `the ${kind} store opens asynchronously: create the engine with \`await RoutingEngine.open({ store, ... })\` instead of \`new RoutingEngine\``,
    );
  }
}

/** Stores opened by `RoutingEngine.open`, waiting for the constructor that will use them. */
const opened = new WeakMap<EngineStore, Recovered>();

export function rememberOpened(store: EngineStore, recovered: Recovered): void {
  opened.set(store, recovered);
}

/** The engine's store: the one given, else a file store at `modelPath` (journal only with autoSave), else none. */
export function storeForOptions(options: ResolvedEngineOptions): EngineStore | undefined {
  if (options.store) return options.store;
  if (!options.modelPath) return undefined;
  return new FileStore({
    path: options.modelPath,
    journal: options.autoSave,
    ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
    ...(options.minCompactBytes !== undefined ? { minCompactBytes: options.minCompactBytes } : {}),
    ...(options.minSnapshotIntervalMs !== undefined ? { minSnapshotIntervalMs: options.minSnapshotIntervalMs } : {}),
    ...(options.auditRetention !== undefined ? { auditRetention: options.auditRetention } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
}

/** What to start from: what `RoutingEngine.open` read, or a synchronous open of the store. */
export function recoverSync(store: EngineStore): Recovered {
  const recovered = opened.get(store);
  if (recovered) {
    opened.delete(store);
    return recovered;
  }
  if (!store.openSync) throw new AsyncStoreError(store.kind);
  return store.openSync();
}

/** Gives back a store the engine opened but could not start on (see `EngineStore.abandon`). */
export function abandonStore(store: EngineStore): void {
  opened.delete(store);
  if (store.abandon) store.abandon();
  else void store.close().catch(() => {});
}
