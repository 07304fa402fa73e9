import { readFile } from "node:fs/promises";
import type { ContextInput, Provider, ProviderInput, Rng } from "@aurora/domain";
import { contextSchema, JSON_PIECES, parseWith, providersSchema, stateKey as stateKeyOf, ValidationError } from "@aurora/domain";
import { writeFileAtomic } from "./atomic-write.js";
import { decayedEpsilon, effectiveEpsilon, epsilonGreedyPropensities, epsilonGreedyPropensity } from "./epsilon-greedy.js";
import type { ModelState, QLearningSnapshot } from "./model-snapshot.js";
import { MODEL_FORMAT, MODEL_VERSION, parseModelSnapshot, REWARD_HISTORY_LIMIT } from "./model-snapshot.js";
import type { Choice, ChooseRequest, DecisionMode, Policy, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { requireReward } from "./policy-input-checks.js";
import type { QLearningOptions, QLearningParams } from "./q-learning-options.js";
import { resolveQLearningOptions } from "./q-learning-options.js";
import { QTable } from "./q-table.js";
import { RewardHistory } from "./reward-history.js";

export interface StrategistOptions extends QLearningOptions {
  /** Uniform numbers in [0, 1); defaults to `Math.random`. Pass `createRng(seed)` for reproducible runs. */
  rng?: Rng;
}

/** What the seed's `recommend` returns: the pick and its metadata (snake_case, as the seed). */
export interface Recommendation {
  providerId: string;
  metadata: {
    mode: DecisionMode;
    q_value: number;
    epsilon: number;
    state_key: string;
    probability: number;
  };
}

function requireStateKey(stateKey: unknown): asserts stateKey is string {
  if (typeof stateKey !== "string" || stateKey.length === 0) {
    throw ValidationError.forField("stateKey", 'must be a non-empty string such as "llm_inference:a100:us-west"');
  }
}

function requireProviderId(providerId: unknown, field: string): asserts providerId is string {
  if (typeof providerId !== "string" || providerId.length === 0) {
    throw ValidationError.forField(field, "must be a non-empty string (a provider id)");
  }
}

function requireCandidates(candidates: unknown): asserts candidates is readonly Provider[] {
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw ValidationError.forField("candidates", "must list at least one provider (filter by constraints first, then choose)");
  }
}

/** `choose` refuses a provider id listed twice: so does `probabilities`, without interning anything. */
function requireDistinct(candidates: readonly Provider[]): void {
  const seen = new Set<string>();
  candidates.forEach((candidate, i) => {
    if (seen.has(candidate.provider_id)) {
      throw ValidationError.forField(
        `candidates[${i}].provider_id`,
        `duplicate provider_id "${candidate.provider_id}": each candidate must appear once`,
      );
    }
    seen.add(candidate.provider_id);
  });
}

/**
 * The seed's Q-learning policy with ε-greedy, Ψ-aware exploration (registry kind
 * `"q-learning"`), keeping the seed's `Strategist` API alongside the {@link Policy} one.
 *
 * Q-update (the seed's rule): Q(s,a) ← Q(s,a) + α·(r + γ·maxₐ′ Q(s,a′) − Q(s,a)), the max taken
 * over the values state s's row holds, since a routing decision has no successor state.
 */
export class Strategist implements Policy {
  readonly name = "q-learning" as const;
  readonly #params: QLearningParams;
  readonly #rng: Rng;
  readonly #table = new QTable();
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #epsilon: number;
  #decisionCount = 0;
  /** Scratch reused by every `choose`: each candidate's column, and the scan that last saw a column. */
  #columns = new Int32Array(16);
  #seenInScan = new Uint32Array(16);
  #scan = 0;
  /** The last `choose` request, its state and row: `estimate` of that same request reuses its columns. */
  #chosenRequest: ChooseRequest | undefined;
  #chosenStateKey = "";
  #chosenRow = -1;
  #saving: Promise<void> = Promise.resolve();

  constructor(options: StrategistOptions = {}) {
    const { rng, ...params } = options ?? {};
    if (rng !== undefined && typeof rng !== "function") {
      throw ValidationError.forField(
        "rng",
        "must be a function returning numbers in [0, 1), e.g. createRng(42) from @aurora/domain",
      );
    }
    this.#params = resolveQLearningOptions(params);
    this.#rng = rng ?? Math.random;
    this.#epsilon = this.#params.epsilon;
  }

  /** The current (decayed) exploration rate, before any Ψ adjustment. */
  get epsilon(): number {
    return this.#epsilon;
  }

  choose(request: ChooseRequest): Choice {
    const { stateKey, candidates } = request;
    requireStateKey(stateKey);
    const epsilon = effectiveEpsilon(this.#epsilon, request.psiDensity);
    const columns = this.#columnsOf(candidates);
    const table = this.#table;
    const row = table.ensureRow(stateKey);
    const initialQ = this.#params.initialQ;
    const n = candidates.length;
    let greedy = 0;
    let best = -Infinity;
    for (let i = 0; i < n; i++) {
      const column = columns[i] as number;
      let q = table.get(row, column);
      if (Number.isNaN(q)) {
        // A provider first seen in this state joins its row (the seed crashed here).
        q = initialQ;
        table.set(row, column, q);
      }
      if (q > best) {
        best = q;
        greedy = i;
      }
    }
    this.#decisionCount++;
    const kept = table.stateKey(row);
    this.#chosenRequest = request;
    this.#chosenStateKey = kept;
    this.#chosenRow = row;
    const explore = this.#rng() < epsilon;
    const index = explore ? Math.min(n - 1, Math.floor(this.#rng() * n)) : greedy;
    return {
      index,
      providerId: (candidates[index] as Provider).provider_id,
      mode: explore ? "explore" : "exploit",
      estimate: table.get(row, columns[index] as number),
      epsilon,
      probability: epsilonGreedyPropensity(epsilon, n, index === greedy),
      stateKey: kept,
    };
  }

  estimate(request: ChooseRequest): number[] {
    if (request === this.#chosenRequest && request.stateKey === this.#chosenStateKey) {
      const reused = this.#estimateChosen(request.candidates);
      if (reused !== undefined) return reused;
    }
    const { stateKey, candidates } = request;
    requireStateKey(stateKey);
    requireCandidates(candidates);
    const row = this.#table.findRow(stateKey);
    return candidates.map((candidate, i) => {
      requireProviderId(candidate?.provider_id, `candidates[${i}].provider_id`);
      const column = row < 0 ? -1 : this.#table.findProvider(candidate.provider_id);
      const q = column < 0 ? NaN : this.#table.get(row, column);
      return Number.isNaN(q) ? this.#params.initialQ : q;
    });
  }

  /**
   * Each candidate's chance of being picked: ε_eff/n + (1 − ε_eff)·[greedy], ε_eff the current ε
   * after the Ψ adjustment and the greedy candidate the first with the highest Q-value, a
   * provider the state has no value for counting as `initialQ` (as `choose` makes it). Reads the
   * table only: no decision counted, no draw, nothing interned.
   */
  probabilities(request: ChooseRequest): number[] {
    const estimates = this.estimate(request);
    requireDistinct(request.candidates);
    return epsilonGreedyPropensities(estimates, effectiveEpsilon(this.#epsilon, request.psiDensity));
  }

  update(update: RewardUpdate): UpdateResult {
    requireStateKey(update.stateKey);
    requireProviderId(update.provider?.provider_id, "provider.provider_id");
    const attempt = update.attempt === true;
    const result = this.#learn(update.stateKey, update.provider.provider_id, update.reward, !attempt);
    if (update.settled !== true && !attempt) this.decayEpsilon();
    return result;
  }

  stats(): StrategistStats {
    return {
      epsilon: this.#epsilon,
      decision_count: this.#decisionCount,
      q_states: this.#table.stateCount,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
    };
  }

  toJSON(): QLearningSnapshot {
    return { ...this.#snapshotHead(), q_table: this.#table.snapshot().toJSON() };
  }

  /**
   * `toJSON()` as of now, cheap to take even for a large table: the Q-values are copied (see
   * `QTable.snapshot`), not turned into an object per state, and the table writes its JSON a few
   * thousand states at a time (`JSON_PIECES`) for a store that writes snapshots in pieces.
   * `JSON.stringify` of it gives `toJSON()`'s JSON (up to the order of integer-like provider ids).
   */
  snapshot(): object {
    return { ...this.#snapshotHead(), q_table: this.#table.snapshot() };
  }

  /** The seed's `recommend`: validates its input, then chooses for the context's state. */
  recommend(context: ContextInput, providers: readonly ProviderInput[], psiDensity?: number): Recommendation {
    const parsedContext = parseWith(contextSchema, context, "context");
    const candidates = parseWith(providersSchema, providers, "providers");
    const stateKey = stateKeyOf(parsedContext);
    const choice = this.choose({
      stateKey,
      context: parsedContext,
      candidates,
      ...(psiDensity !== undefined ? { psiDensity } : {}),
    });
    return {
      providerId: choice.providerId,
      metadata: {
        mode: choice.mode,
        q_value: choice.estimate,
        epsilon: choice.epsilon,
        state_key: stateKey,
        probability: choice.probability,
      },
    };
  }

  /** The seed's `update_q_value`: learns one reward without decaying ε (call `decayEpsilon` for that). */
  updateQValue(stateKey: string, providerId: string, reward: number): UpdateResult {
    requireStateKey(stateKey);
    requireProviderId(providerId, "providerId");
    return this.#learn(stateKey, providerId, reward);
  }

  /** One decay step: ε ← max(εmin, ε·decay), never rising. Returns the new ε. */
  decayEpsilon(): number {
    this.#epsilon = decayedEpsilon(this.#epsilon, this.#params.epsilonDecay, this.#params.epsilonMin);
    return this.#epsilon;
  }

  /** The learned value for (state, provider), or `initialQ` when there is none. */
  getQValue(stateKey: string, providerId: string): number {
    const row = this.#table.findRow(stateKey);
    const column = row < 0 ? -1 : this.#table.findProvider(providerId);
    const q = column < 0 ? NaN : this.#table.get(row, column);
    return Number.isNaN(q) ? this.#params.initialQ : q;
  }

  /**
   * Writes the model to `path` atomically (temporary file in the same folder, fsync, rename),
   * as `JSON.stringify(toJSON())` would, but a piece at a time so that a large table neither
   * blocks decisions nor needs one giant string. The model is taken when `save` is called (the
   * Q-values copied, one `slice` per chunk of 1,024 rows), so the file is the model at that
   * instant whatever is learned, or which providers `maxProviders` forgets, while it is written.
   * Saves from one instance land in call order.
   */
  save(path: string): Promise<void> {
    const head = JSON.stringify(this.#snapshotHead());
    const table = this.#table.snapshot();
    const pieces = function* (): Generator<string> {
      yield `${head.slice(0, -1)},"q_table":`;
      yield* table[JSON_PIECES]();
      yield "}";
    };
    const saved = this.#saving.then(() => writeFileAtomic(path, pieces()));
    this.#saving = saved.catch(() => {});
    return saved;
  }

  /** Reads a model file written by `save` or by the Python engine. `options` override the file's params. */
  static async load(path: string, options?: StrategistOptions): Promise<Strategist> {
    const text = await readFile(path, "utf8");
    let snapshot: unknown;
    try {
      snapshot = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(
        [
          {
            field: "(root)",
            message: `${path} is not valid JSON (a torn or foreign file?): restore a good copy or start fresh`,
          },
        ],
        { cause: error },
      );
    }
    return Strategist.fromJSON(snapshot, options);
  }

  /**
   * Restores a policy from a snapshot (`toJSON()`, a parsed model file, or the Python engine's
   * file). Hyperparameters come from the snapshot's `params`, each overridden by `options`;
   * ε, the decision count and the rewards always come from the snapshot.
   */
  static fromJSON(snapshot: unknown, options: StrategistOptions = {}): Strategist {
    const model = parseModelSnapshot(snapshot);
    const merged: StrategistOptions = { ...model.params };
    for (const [key, value] of Object.entries(options ?? {})) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    const strategist = new Strategist(merged);
    strategist.#restore(model);
    return strategist;
  }

  #restore(model: ModelState): void {
    this.#epsilon = model.epsilon;
    this.#decisionCount = model.decisionCount;
    this.#rewards = new RewardHistory(REWARD_HISTORY_LIMIT, model.rewardHistory, model.totalRewards);
    // for…in over own keys: Object.entries would allocate an array per state and per value.
    const { qTable } = model;
    const table = this.#table;
    for (const stateKey in qTable) {
      if (!Object.hasOwn(qTable, stateKey)) continue;
      const values = qTable[stateKey] as Record<string, number>;
      const row = table.ensureRow(stateKey);
      for (const providerId in values) {
        if (Object.hasOwn(values, providerId)) table.set(row, table.internProvider(providerId), values[providerId] as number);
      }
    }
    // The order maxProviders forgets in: rank r (least recent first) reads as scan r + 1.
    const recency = model.providerRecency ?? [];
    if (this.#seenInScan.length < table.columnCount) this.#seenInScan = new Uint32Array(Math.max(16, table.columnCount));
    recency.forEach((providerId, rank) => {
      const column = table.findProvider(providerId);
      if (column >= 0) this.#seenInScan[column] = rank + 1;
    });
    if (recency.length > 0) this.#scan = recency.length + 1;
    if (table.providerCount > this.#params.maxProviders) {
      throw ValidationError.forField(
        "maxProviders",
        `is ${this.#params.maxProviders}, but the model holds values for ${table.providerCount} providers: raise it to at least that`,
      );
    }
  }

  #learn(stateKey: string, providerId: string, reward: number, counted = true): UpdateResult {
    requireReward(reward);
    const table = this.#table;
    let column = table.findProvider(providerId);
    if (column < 0) column = this.#internNew(providerId, undefined, 0, false);
    // Feedback mostly follows its own decision: the row `choose` just found is reused (the same key
    // string, so the comparison is a pointer check), saving a second probe of a map of every state.
    const row = stateKey === this.#chosenStateKey ? this.#chosenRow : table.ensureRow(stateKey);
    let before = table.get(row, column);
    if (Number.isNaN(before)) {
      before = this.#params.initialQ;
      table.set(row, column, before);
    }
    const { alpha, gamma } = this.#params;
    const after = before + alpha * (reward + gamma * table.rowMax(row) - before);
    table.set(row, column, after);
    if (counted) this.#rewards.push(reward);
    return { before, after };
  }

  /**
   * The estimates of the candidates `choose` just scanned, read through the columns it interned
   * (the engine asks right after choosing, for its ranked alternatives): no map lookups. Undefined
   * when a candidate is no longer the one scanned (the caller changed the list in between).
   */
  #estimateChosen(candidates: readonly Provider[]): number[] | undefined {
    const table = this.#table;
    const row = this.#chosenRow;
    const n = candidates.length;
    const estimates = new Array<number>(n);
    if (n > this.#columns.length) return undefined;
    for (let i = 0; i < n; i++) {
      const column = this.#columns[i] as number;
      if (table.providerId(column) !== candidates[i]?.provider_id) return undefined;
      const q = table.get(row, column);
      estimates[i] = Number.isNaN(q) ? this.#params.initialQ : q;
    }
    return estimates;
  }

  /** Validates the candidates and interns their ids into the reused column scratch. */
  #columnsOf(candidates: readonly Provider[]): Int32Array {
    requireCandidates(candidates);
    const n = candidates.length;
    if (this.#columns.length < n) this.#columns = new Int32Array(Math.max(n, this.#columns.length * 2));
    if (++this.#scan === 0xffffffff) {
      this.#seenInScan.fill(0);
      this.#scan = 1;
    }
    const scan = this.#scan;
    for (let i = 0; i < n; i++) {
      const providerId = (candidates[i] as Provider | undefined)?.provider_id;
      // The field name is built only on failure: a template string per candidate was 500 bytes a decision.
      if (typeof providerId !== "string" || providerId.length === 0)
        requireProviderId(providerId, `candidates[${i}].provider_id`);
      let column = this.#table.findProvider(providerId);
      if (column < 0) column = this.#internNew(providerId, candidates, i + 1);
      if (column >= this.#seenInScan.length) {
        const seen = new Uint32Array(Math.max(column + 1, this.#seenInScan.length * 2));
        seen.set(this.#seenInScan);
        this.#seenInScan = seen;
      }
      if (this.#seenInScan[column] === scan) {
        throw ValidationError.forField(
          `candidates[${i}].provider_id`,
          `duplicate provider_id "${providerId}": each candidate must appear once`,
        );
      }
      this.#seenInScan[column] = scan;
      this.#columns[i] = column;
    }
    return this.#columns;
  }

  /**
   * A column for a provider the table does not hold. At `maxProviders`, the least recently seen
   * eighth of the providers are forgotten first, never one among the candidates of the `choose`
   * in progress (`inScan`): those already scanned (`#seenInScan` is this scan's) and `candidates`
   * from `from` on.
   */
  #internNew(providerId: string, candidates: readonly Provider[] | undefined, from: number, inScan = true): number {
    const table = this.#table;
    const max = this.#params.maxProviders;
    if (table.providerCount >= max) {
      // Learning (no scan in progress) spares nothing: the last choose may have named maxProviders candidates.
      const scan = inScan ? this.#scan : -1;
      const seen = this.#seenInScan;
      const spared = new Set<number>();
      for (let k = from; candidates !== undefined && k < candidates.length; k++) {
        const known = table.findProvider((candidates[k] as Provider).provider_id);
        if (known >= 0) spared.add(known);
      }
      const columns: number[] = [];
      for (let c = 0; c < table.columnCount; c++) {
        if (table.providerId(c) !== "" && (seen[c] ?? 0) !== scan && !spared.has(c)) columns.push(c);
      }
      if (columns.length === 0) {
        throw ValidationError.forField(
          "candidates",
          `name more providers than maxProviders (${max}) allows the Q-table to hold: raise maxProviders`,
        );
      }
      columns.sort((a, b) => (seen[a] ?? 0) - (seen[b] ?? 0) || a - b);
      const forgotten = columns.slice(0, Math.max(1, Math.floor(max / 8)));
      table.forgetProviders(forgotten);
      for (const c of forgotten) if (c < seen.length) seen[c] = 0;
    }
    return table.internProvider(providerId);
  }

  /** The providers held, least recently among the candidates first (ties: the earlier column). */
  #recency(): string[] {
    const table = this.#table;
    const seen = this.#seenInScan;
    const columns: number[] = [];
    for (let c = 0; c < table.columnCount; c++) if (table.providerId(c) !== "") columns.push(c);
    columns.sort((a, b) => (seen[a] ?? 0) - (seen[b] ?? 0) || a - b);
    return columns.map((c) => table.providerId(c));
  }

  #snapshotHead(): Omit<QLearningSnapshot, "q_table"> {
    // `maxProviders` bounds memory, it is not learned: the engine passes it at every start.
    const { maxProviders: _, ...params } = this.#params;
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params,
      epsilon: this.#epsilon,
      decision_count: this.#decisionCount,
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
      provider_recency: this.#recency(),
    };
  }
}
