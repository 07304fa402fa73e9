import { AuditChain, type ChainedAuditRecord } from "./audit-chain.js";
import type { AuditRecord, EngineStore, Receipt, Recovered, StoreStatus } from "./engine-store.js";
import { decodeEvent, encodeEvent, type StoredEvent } from "./event-codec.js";
import { sha256Hex } from "./hash-chain.js";
import { makeReceipt } from "./receipt.js";
import type { EngineEvent } from "./routing-engine.js";

/**
 * A store in memory: what a file store keeps on disk, kept in this object instead. Survives an
 * engine (open a new engine on the same instance to "restart") but not the process. For tests,
 * and as the reference implementation of the store contract. Events and snapshots are kept as
 * JSON text, exactly as a real store would hold them, so nothing is shared with the live engine.
 */
export class MemoryStore implements EngineStore {
  readonly kind = "memory";
  #snapshot: { text: string; receipt: Receipt } | undefined;
  #events: string[] = [];
  #receipts: Receipt[] = [];
  #audit: ChainedAuditRecord[] = [];
  #chain = new AuditChain();
  #failure: Error | undefined;
  #open = false;

  async open(): Promise<Recovered> {
    return this.openSync();
  }

  openSync(): Recovered {
    this.#open = true;
    const recovered: Recovered = {
      snapshot: this.#snapshot ? JSON.parse(this.#snapshot.text) : undefined,
      events: this.#events.map((text) => decodeEvent(JSON.parse(text))),
    };
    if (this.#snapshot) recovered.receipt = this.#snapshot.receipt;
    return recovered;
  }

  append(event: EngineEvent): Promise<void> {
    if (!this.#open) return Promise.reject(new Error("MemoryStore is not open: call open() (the engine does) before appending"));
    if (this.#failure) return Promise.reject(this.#failure);
    this.#events.push(JSON.stringify(encodeEvent(event) satisfies StoredEvent));
    return Promise.resolve();
  }

  appendAudit(record: AuditRecord): void {
    this.#audit.push(JSON.parse(JSON.stringify(this.#chain.link(record))) as ChainedAuditRecord);
  }

  recentAudit(limit: number): AuditRecord[] {
    const from = Math.max(0, this.#audit.length - limit);
    return this.#audit.slice(from).map((chained) => JSON.parse(JSON.stringify(chained.record)) as AuditRecord);
  }

  async snapshot(take: () => object): Promise<Receipt> {
    return this.snapshotSync(take);
  }

  snapshotSync(take: () => object): Receipt {
    if (this.#failure) throw this.#failure;
    const text = JSON.stringify(take());
    this.#events = [];
    const receipt = makeReceipt(
      this.#receipts.at(-1),
      { sha256: sha256Hex(text), bytes: Buffer.byteLength(text) },
      new Date().toISOString(),
    );
    this.#receipts.push(receipt);
    this.#snapshot = { text, receipt };
    return receipt;
  }

  snapshotDue(): boolean {
    return true;
  }

  status(): StoreStatus {
    return {
      kind: this.kind,
      ready: this.#failure === undefined,
      last_error: this.#failure?.message ?? null,
      snapshot_version: this.#snapshot?.receipt.version ?? null,
      events_since_snapshot: this.#events.length,
      shared_totals: null,
    };
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  /** Every receipt so far, oldest first. */
  receipts(): Receipt[] {
    return this.#receipts.slice();
  }

  /** The audit trail as stored, oldest first. */
  auditRecords(): ChainedAuditRecord[] {
    return this.#audit.slice();
  }

  /** Makes every write fail with `error` until called with `undefined` (to test how callers see a broken store). */
  failWrites(error: Error | undefined): void {
    this.#failure = error;
  }
}
