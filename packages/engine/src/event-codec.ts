import type { Provider } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import { outcomeEventJson, storedRecordJson, withoutProviders } from "./event-json.js";
import type { EngineEvent } from "./routing-engine.js";

/**
 * An event as stored (journal line, database row): plain JSON. A decision keeps its candidates
 * once; the chosen provider and the alternatives are indices into them, so a provider is never
 * written twice. In the file store's journal a decision may also carry `list`, a number naming its
 * candidate list: with `candidates` the record defines that list, without them it uses the list the
 * latest earlier record with that number defined (see `JournalEventEncoder`).
 */
export type StoredEvent =
  | {
      type: "decision";
      record: Omit<DecisionRecord, "provider" | "alternatives">;
      candidates: Provider[];
      chosen: number;
      alternatives?: number[];
      list?: number;
    }
  | {
      type: "decision";
      record: Omit<DecisionRecord, "provider" | "alternatives">;
      list: number;
      chosen: number;
      alternatives?: number[];
    }
  | Exclude<EngineEvent, { type: "decision" }>;

type StoredDecision = Extract<StoredEvent, { type: "decision" }>;

/** Thrown when a stored event does not decode: its checksum matched, so this is a bug or a foreign writer. */
export class StoredEventError extends Error {
  constructor(message: string) {
    super(`stored event ${message}`);
    this.name = "StoredEventError";
  }
}

export function encodeEvent(event: EngineEvent): StoredEvent {
  if (event.type !== "decision") return event;
  const { candidates, record } = event;
  const { chosen, alternatives } = decisionIndices(record, candidates);
  const stored: StoredEvent = {
    type: "decision",
    record: withoutProviders(record),
    candidates: candidates as Provider[],
    chosen,
  };
  if (alternatives !== undefined) stored.alternatives = alternatives;
  return stored;
}

/** Where a decision's chosen provider and alternatives stand among its candidates: what is stored in their place. */
function decisionIndices(
  decision: DecisionRecord,
  candidates: readonly Provider[],
): { chosen: number; alternatives: number[] | undefined } {
  const chosen = indexOf(candidates, decision.provider_id);
  const alternatives = decision.alternatives?.map((a) => indexOf(candidates, a.provider_id));
  return { chosen, alternatives };
}

/** Decodes one stored event on its own; a decision that only names a shared list needs `JournalEventDecoder`. */
export function decodeEvent(value: unknown): EngineEvent {
  const stored = value as StoredEvent;
  if (typeof stored !== "object" || stored === null) throw new StoredEventError("is not an object");
  switch (stored.type) {
    case "decision": {
      if (!("candidates" in stored)) {
        throw new StoredEventError(`${stored.record?.decision_id}: names candidate list ${stored.list} but does not carry it`);
      }
      return decodeDecision(stored, stored.candidates);
    }
    case "outcome":
    case "settled":
      return stored;
    default:
      throw new StoredEventError(`has an unknown type ${JSON.stringify((stored as { type?: unknown }).type)}`);
  }
}

function decodeDecision(stored: StoredDecision, candidates: Provider[]): EngineEvent {
  const { chosen, alternatives } = stored;
  const provider = Array.isArray(candidates) ? candidates[chosen] : undefined;
  if (provider === undefined)
    throw new StoredEventError(`${stored.record?.decision_id}: chosen index ${chosen} has no candidate`);
  const record: DecisionRecord = { ...stored.record, provider };
  if (alternatives !== undefined) record.alternatives = alternatives.map((i) => candidates[i] as Provider);
  return { type: "decision", record, candidates };
}

function indexOf(candidates: readonly Provider[], providerId: string): number {
  for (let i = 0; i < candidates.length; i++) if ((candidates[i] as Provider).provider_id === providerId) return i;
  throw new StoredEventError(`names provider "${providerId}", which is not among its candidates`);
}

/** Candidate lists an encoder remembers; a router sends few distinct lists, and a miss costs a compare per entry. */
const REMEMBERED_LISTS = 8;

interface RememberedList {
  id: number;
  /** The list as the journal holds it (parsed back from its JSON), never the caller's objects. */
  candidates: unknown[];
  /** Each candidate's keys in order, when every candidate has only provider fields (see `sameProviders`). */
  providerKeys: string[][] | undefined;
  /**
   * The caller's list itself, when it cannot change: frozen all the way down, without getters (the
   * lists the engine's candidate and partition memos hand out, and hand out again for every decision
   * with the same providers). The same array again is then the same list, with no compare.
   */
  frozen: readonly Provider[] | undefined;
}

/** The fields of a provider, compared by name: faster than walking unknown keys. */
const PROVIDER_KEYS = new Set([
  "provider_id",
  "price_usd_per_hour",
  "latency_ms",
  "reputation",
  "capacity_available",
  "gpu_types",
  "regions",
]);

/**
 * Encodes events as journal lines (JSON text), writing each distinct candidate list once: the first
 * decision with a list carries it under a new number (`list`), later decisions with an equal list
 * carry only the number. `forget()` at a journal cut makes the next use of every list carry it
 * again, so the journal from any cut on decodes by itself. Numbers rise for the encoder's life and
 * are not reused by it; a decoder takes the latest definition of a number before its use.
 */
export class JournalEventEncoder {
  #lists: RememberedList[] = [];
  #nextId: number;

  /** `nextId`: the first list number to give out (one past the highest a recovered journal used). */
  constructor(nextId = 1) {
    this.#nextId = nextId;
  }

  encode(event: EngineEvent): string {
    if (event.type === "outcome") return outcomeEventJson(event);
    if (event.type !== "decision") return JSON.stringify(event);
    const { candidates, record } = event;
    const { chosen, alternatives } = decisionIndices(record, candidates);
    const tail = alternatives === undefined ? "" : `,"alternatives":[${alternatives.join(",")}]`;
    const head = `{"type":"decision","record":${storedRecordJson(record)}`;
    const known = this.#find(candidates);
    if (known !== undefined) return `${head},"list":${known},"chosen":${chosen}${tail}}`;
    const list = JSON.stringify(candidates);
    const id = this.#remember(JSON.parse(list) as unknown[], candidates);
    return `${head},"candidates":${list},"list":${id},"chosen":${chosen}${tail}}`;
  }

  /** Every list is written out again at its next use (called at a journal cut). */
  forget(): void {
    this.#lists = [];
  }

  #find(candidates: readonly Provider[]): number | undefined {
    const lists = this.#lists;
    for (let i = 0; i < lists.length; i++) {
      const entry = lists[i] as RememberedList;
      if (entry.frozen !== candidates) {
        if (entry.candidates.length !== candidates.length) continue;
        const { providerKeys } = entry;
        if (
          !(providerKeys ? sameProviders(candidates, entry.candidates, providerKeys) : sameJson(candidates, entry.candidates))
        ) {
          continue;
        }
      }
      if (i > 0) {
        lists.copyWithin(1, 0, i);
        lists[0] = entry;
      }
      return entry.id;
    }
    return undefined;
  }

  #remember(candidates: unknown[], live: readonly Provider[]): number {
    const id = this.#nextId++;
    const keys = candidates.map((c) => (typeof c === "object" && c !== null && !Array.isArray(c) ? Object.keys(c) : []));
    const providerShaped = keys.every((own) => own.length > 0 && own.every((key) => PROVIDER_KEYS.has(key)));
    const frozen = providerShaped && isDeeplyFrozen(live) ? live : undefined;
    this.#lists.unshift({ id, candidates, providerKeys: providerShaped ? keys : undefined, frozen });
    if (this.#lists.length > REMEMBERED_LISTS) this.#lists.pop();
    return id;
  }
}

/** Decodes journal records in order, resolving decisions that name a candidate list defined earlier. */
export class JournalEventDecoder {
  readonly #lists = new Map<number, Provider[]>();
  #highestList = 0;

  /** The highest list number seen so far (0 when none). */
  get highestList(): number {
    return this.#highestList;
  }

  decode(value: unknown): EngineEvent {
    const stored = value as StoredEvent;
    if (typeof stored !== "object" || stored === null || stored.type !== "decision" || stored.list === undefined) {
      return decodeEvent(value);
    }
    const { list } = stored;
    if (!Number.isSafeInteger(list))
      throw new StoredEventError(`${stored.record?.decision_id}: list ${String(list)} is not a number`);
    if (list > this.#highestList) this.#highestList = list;
    if ("candidates" in stored) {
      this.#lists.set(list, stored.candidates);
      return decodeDecision(stored, stored.candidates);
    }
    const candidates = this.#lists.get(list);
    if (candidates === undefined) {
      throw new StoredEventError(`${stored.record?.decision_id}: uses candidate list ${list}, which no earlier record defines`);
    }
    return decodeDecision(stored, candidates);
  }
}

/**
 * `sameJson` for a remembered list whose candidates hold only provider fields: each field is
 * compared by name, and a live candidate must be a plain object with the same keys in the same
 * order (true of providers parsed by one schema). Errs towards false, like `sameJson`.
 */
function sameProviders(live: readonly Provider[], kept: readonly unknown[], keptKeys: readonly string[][]): boolean {
  for (let i = 0; i < live.length; i++) {
    const a = live[i] as Provider;
    const b = kept[i] as Provider;
    if (
      typeof a !== "object" ||
      a === null ||
      a.provider_id !== b.provider_id ||
      typeof a.provider_id !== "string" ||
      a.price_usd_per_hour !== b.price_usd_per_hour ||
      a.latency_ms !== b.latency_ms ||
      a.reputation !== b.reputation ||
      a.capacity_available !== b.capacity_available ||
      !sameStrings(a.gpu_types, b.gpu_types) ||
      !sameStrings(a.regions, b.regions) ||
      Object.getPrototypeOf(a) !== Object.prototype
    ) {
      return false;
    }
    // With a plain prototype, for…in lists exactly the own keys, in Object.keys order.
    const expected = keptKeys[i] as string[];
    let k = 0;
    for (const key in a) if (key !== expected[k++]) return false;
    if (k !== expected.length) return false;
  }
  return true;
}

/**
 * Whether `value`'s JSON can never change: a primitive, or a frozen array or plain object whose own
 * properties are all data properties (no getters) holding such values in turn.
 */
function isDeeplyFrozen(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null) return typeof value !== "function";
  if (depth > 3 || !Object.isFrozen(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== Array.prototype) return false;
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const key of Reflect.ownKeys(descriptors)) {
    const descriptor = descriptors[key as string] as PropertyDescriptor;
    if (!("value" in descriptor) || !isDeeplyFrozen(descriptor.value, depth + 1)) return false;
  }
  return true;
}

function sameStrings(a: unknown, b: unknown): boolean {
  if (a === b) return a === undefined;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] || typeof a[i] !== "string") return false;
  return true;
}

/**
 * True when `a` and `b` have the same JSON text up to key order: the same keys with defined values,
 * equal primitives, arrays equal item by item. Errs towards false (NaN, functions, `toJSON`), which
 * only costs a list written out again.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "function";
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || typeof (a as { toJSON?: unknown }).toJSON === "function") return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key in x) {
    if (!Object.hasOwn(x, key)) continue;
    const value = x[key];
    if (value === undefined) continue;
    if (!Object.hasOwn(y, key) || !sameJson(value, y[key])) return false;
    count++;
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) count--;
  return count === 0;
}
