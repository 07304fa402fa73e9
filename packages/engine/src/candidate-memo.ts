import type { Provider } from "@aurora/domain";

/** Lists remembered: a router sends one market, or a few (per region, per tier), again and again. */
const REMEMBERED = 4;

interface Remembered {
  /** The validated list, frozen: every decision that used it shares it. */
  output: readonly Provider[];
  /** Per candidate: `gpu_types` / `regions` were absent (or undefined) in the input, so the output holds the default `[]`. */
  gpuDefaulted: boolean[];
  regionsDefaulted: boolean[];
}

/**
 * Validated candidate lists, so that a list validated once is not checked and copied again while
 * the router keeps sending it. A list is found when every field the schema reads is the same
 * value (`Object.is`) as in the list that was validated: the provider schema has no transforms,
 * so equal inputs have an equal output, and the remembered output is returned. Anything else —
 * another length, a changed price, a field that is not a plain value — is not found and is
 * validated in full. Outputs are frozen (objects and arrays), since they are shared.
 */
export class CandidateMemo {
  #entries: Remembered[] = [];

  /** The validated form of `input` when it equals a list validated before, else `undefined`. */
  find(input: unknown): readonly Provider[] | undefined {
    if (!Array.isArray(input)) return undefined;
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Remembered;
      if (!matches(entry, input)) continue;
      if (i > 0) {
        entries.copyWithin(1, 0, i);
        entries[0] = entry;
      }
      return entry.output;
    }
    return undefined;
  }

  /**
   * Remembers `output`, which validating `input` just gave, and returns it frozen. An input that no
   * longer reads as its output did (a getter that changes its answer) is not remembered.
   */
  remember(input: unknown, output: Provider[]): readonly Provider[] {
    for (const provider of output) {
      Object.freeze(provider.gpu_types);
      Object.freeze(provider.regions);
      Object.freeze(provider);
    }
    Object.freeze(output);
    if (!Array.isArray(input) || input.length !== output.length) return output;
    const absent = (field: "gpu_types" | "regions") =>
      input.map((candidate: unknown) => (candidate as Record<string, unknown> | null)?.[field] === undefined);
    const entry: Remembered = { output, gpuDefaulted: absent("gpu_types"), regionsDefaulted: absent("regions") };
    if (!matches(entry, input)) return output;
    this.#entries.unshift(entry);
    if (this.#entries.length > REMEMBERED) this.#entries.pop();
    return output;
  }
}

function matches(entry: Remembered, input: readonly unknown[]): boolean {
  const { output } = entry;
  if (input.length !== output.length) return false;
  for (let i = 0; i < input.length; i++) {
    const candidate = input[i];
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) return false;
    const live = candidate as Record<string, unknown>;
    const kept = output[i] as Provider;
    if (
      !Object.is(live.provider_id, kept.provider_id) ||
      !Object.is(live.price_usd_per_hour, kept.price_usd_per_hour) ||
      !Object.is(live.latency_ms, kept.latency_ms) ||
      !Object.is(live.reputation, kept.reputation)
    ) {
      return false;
    }
    const capacity = live.capacity_available;
    if (!Object.is(capacity, kept.capacity_available)) return false;
    // zod keeps an explicit `undefined` as a key and leaves an absent one out.
    if (capacity === undefined && "capacity_available" in live !== "capacity_available" in kept) return false;
    if (!sameList(live.gpu_types, kept.gpu_types, entry.gpuDefaulted[i] as boolean)) return false;
    if (!sameList(live.regions, kept.regions, entry.regionsDefaulted[i] as boolean)) return false;
  }
  return true;
}

/** `live` validates to `kept`: both absent-and-defaulted, or an array of the same strings. */
function sameList(live: unknown, kept: readonly string[], defaulted: boolean): boolean {
  if (live === undefined) return defaulted && kept.length === 0;
  if (defaulted || !Array.isArray(live) || live.length !== kept.length) return false;
  for (let j = 0; j < kept.length; j++) if (live[j] !== kept[j]) return false;
  return true;
}
