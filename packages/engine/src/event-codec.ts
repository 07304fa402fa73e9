import type { Provider } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import type { EngineEvent } from "./routing-engine.js";

/**
 * An event as stored (journal line, database row): plain JSON. A decision keeps its candidates
 * once; the chosen provider and the alternatives are indices into them, so a provider is never
 * written twice.
 */
export type StoredEvent =
  | {
      type: "decision";
      record: Omit<DecisionRecord, "provider" | "alternatives">;
      candidates: Provider[];
      chosen: number;
      alternatives?: number[];
    }
  | Exclude<EngineEvent, { type: "decision" }>;

/** Thrown when a stored event does not decode: its checksum matched, so this is a bug or a foreign writer. */
export class StoredEventError extends Error {
  constructor(message: string) {
    super(`stored event ${message}`);
    this.name = "StoredEventError";
  }
}

export function encodeEvent(event: EngineEvent): StoredEvent {
  if (event.type !== "decision") return event;
  const { record, candidates } = event;
  const { provider: _provider, alternatives: _alternatives, ...rest } = record;
  const chosen = indexOf(candidates, record.provider_id);
  const stored: StoredEvent = { type: "decision", record: rest, candidates: candidates as Provider[], chosen };
  if (record.alternatives !== undefined) stored.alternatives = record.alternatives.map((a) => indexOf(candidates, a.provider_id));
  return stored;
}

export function decodeEvent(value: unknown): EngineEvent {
  const stored = value as StoredEvent;
  if (typeof stored !== "object" || stored === null) throw new StoredEventError("is not an object");
  switch (stored.type) {
    case "decision": {
      const { candidates, chosen, alternatives } = stored;
      const provider = Array.isArray(candidates) ? candidates[chosen] : undefined;
      if (provider === undefined)
        throw new StoredEventError(`${stored.record?.decision_id}: chosen index ${chosen} has no candidate`);
      const record: DecisionRecord = { ...stored.record, provider };
      if (alternatives !== undefined) record.alternatives = alternatives.map((i) => candidates[i] as Provider);
      return { type: "decision", record, candidates };
    }
    case "outcome":
    case "settled":
      return stored;
    default:
      throw new StoredEventError(`has an unknown type ${JSON.stringify((stored as { type?: unknown }).type)}`);
  }
}

function indexOf(candidates: readonly Provider[], providerId: string): number {
  for (let i = 0; i < candidates.length; i++) if ((candidates[i] as Provider).provider_id === providerId) return i;
  throw new StoredEventError(`names provider "${providerId}", which is not among its candidates`);
}
