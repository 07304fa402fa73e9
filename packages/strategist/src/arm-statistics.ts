import { JSON_PIECES, type JsonPieces, ValidationError } from "@aurora/domain";
import { flatCopy, StateIndex } from "./state-index.js";

/** Per arm: [tick of last change, n, failures, successes, Σ success residual, Σ success residual²]. */
const SLOTS = 6;
const LAST = 0;
const N = 1;
const FAILURES = 2;
const SUCCESSES = 3;
const SUM = 4;
const SQUARES = 5;

/** Noise variance of a success residual assumed before there is data (reward units²), and its weight. */
const PRIOR_NOISE = 0.25;
const PRIOR_NOISE_WEIGHT = 5;

export interface ArmStatisticsOptions {
  /** γ per learned reward (of any arm): what was learned fades by γ at each tick; 1 keeps it all. */
  discount: number;
  /** Failure probability assumed before anything is learned. */
  priorFailureRate: number;
  /** m: how many observations each level's prior is worth (provider for its states, everyone for a provider). */
  priorStrength: number;
}

/** What the statistics say about one provider in one state. */
export interface ArmEstimate {
  /** Beta(a, b) posterior of the failure probability. */
  failureA: number;
  failureB: number;
  /** Posterior mean and variance of the mean success residual. */
  residual: number;
  residualVariance: number;
  /** Effective observations behind the estimate, prior included (≥ m). */
  count: number;
  /** Noise variance of one success residual. */
  noise: number;
}

export interface ArmStatisticsSnapshot {
  tick: number;
  /** state key → provider id → slots [tick of last change, n, failures, successes, Σ residual, Σ residual²]. */
  arms: Record<string, Record<string, number[]>>;
  /** provider id → the same slots over every state. */
  providers: Record<string, number[]>;
  /** The same slots over every arm. */
  everyone: number[];
}

/**
 * A state found by {@link ArmStatistics.stateArms}: its row and the key string kept for it. Read
 * its arms through the statistics that gave it; it stays valid as the statistics learn.
 */
export class StateArms {
  readonly stateKey: string;
  /** @internal The state's row in the statistics. */
  readonly row: number;
  /** @internal The statistics' generation when its arms were last noted by provider column (see `ArmStatistics`). */
  generation: number;

  constructor(stateKey: string, row: number, generation: number) {
    this.stateKey = stateKey;
    this.row = row;
    this.generation = generation;
  }
}

/** Arm records per chunk of the arena: growth adds a chunk and never copies the arms. */
const CHUNK_BITS = 12;
const CHUNK_ARMS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ARMS - 1;
/** Per arm record: the SLOTS counts, then the provider's column and the next arm of its state (−1: none). */
const RECORD = 8;
const COLUMN = SLOTS;
const NEXT = SLOTS + 1;
const NONE = -1;
/** Ages (in ticks) whose discount factor is tabled. */
const POWERS = 4096;

/**
 * Outcome counts of the non-contextual bandits, per (state, provider) arm, with a
 * hierarchical prior so that nothing starts from 0: a provider new to a state starts from what
 * it did in the other states, and a provider new to all of them from what every provider did
 * (and, before any data, `priorFailureRate` and a residual of 0). Each level's prior is worth
 * m = `priorStrength` observations:
 *   q_all = (F_all + m·q₀)/(N_all + m),
 *   q_p = (F_p,others + m·q_all)/(N_p,others + m)        (the provider in the other states),
 *   failure ~ Beta(F + m·q_p, N − F + m·(1 − q_p))        (this state),
 * and the same shrinkage for the mean success residual. Counts are discounted lazily: each
 * learned reward is one tick and a count made t ticks ago weighs γᵗ (discounted UCB/TS,
 * Garivier & Moulines 2011).
 *
 * Storage: states are found through a `StateIndex`; each state's arms are a chain of 8-float
 * records (the six counts, the provider's column, the next arm) in chunked `Float64Array`s, in the
 * order they were first learned. Provider ids are interned to columns once for all states. An arm
 * costs 64 bytes and a state ~80 more (its key, index slots and chain head), against ~250 and ~230
 * with a `Map` per state and a `Float64Array` per arm. `stateArms` walks a state's chain once and
 * notes each column's arm in a scratch table stamped with a generation number, so that each
 * candidate's arm is then one read, however many providers there are.
 */
export class ArmStatistics {
  readonly #options: ArmStatisticsOptions;
  /** γᵃᵍᵉ for ages below POWERS: the discount's power took a quarter of a choose's time. */
  readonly #powers: Float64Array;
  readonly #states = new StateIndex();
  /** Per state row: its first and last arm (−1 when it has none). */
  #heads = new Int32Array(1024).fill(NONE);
  #tails = new Int32Array(1024).fill(NONE);
  readonly #chunks: Float64Array[] = [];
  #armCount = 0;
  readonly #providerColumn = new Map<string, number>();
  readonly #providerIds: string[] = [];
  /** Per column: the provider's counts over every state. */
  readonly #providerSlots: Float64Array[] = [];
  /** Per column: the arm `stateArms` found for it, valid where `#stamps` holds the current generation. */
  #armOf = new Int32Array(16);
  #stamps = new Int32Array(16);
  #generation = 0;
  /** The state last found or learned, and its row: a choose and the update that follows ask for the same state. */
  #lastKey: string | undefined;
  #lastRow = NONE;
  readonly #everyone = new Float64Array(SLOTS);
  readonly #scratch = new Float64Array(SLOTS);
  readonly #scratchProvider = new Float64Array(SLOTS);
  #tick = 0;
  /** The pooled prior (every arm's counts) as of `#priorTick`: it changes only when an outcome is learned. */
  #priorTick = -1;
  #allFailure = 0;
  #allResidual = 0;
  #noise = 0;

  constructor(options: ArmStatisticsOptions) {
    this.#options = options;
    const { discount } = options;
    this.#powers = new Float64Array(POWERS);
    for (let age = 0; age < POWERS; age++) this.#powers[age] = discount === 1 ? 1 : discount ** age;
  }

  /** States with at least one arm. */
  get stateCount(): number {
    return this.#states.size;
  }

  /** A state's arms, with its kept key, or undefined for a state with none: found once, read for each candidate. */
  stateArms(stateKey: string): StateArms | undefined {
    const row = this.#rowOf(stateKey, false);
    if (row < 0) return undefined;
    const generation = this.#mark(row);
    return new StateArms(this.#states.key(row), row, generation);
  }

  /** Learns one outcome: a failure, or a success with its residual. */
  observe(stateKey: string, providerId: string, failed: boolean, residual: number): void {
    this.#tick++;
    const row = this.#rowOf(stateKey, true);
    const column = this.#column(providerId);
    let arm = this.#armIn(row, column);
    if (arm === NONE) arm = this.#addArm(row, column);
    this.#add(this.#chunkOf(arm), (arm & CHUNK_MASK) * RECORD, failed, residual);
    this.#add(this.#providerSlots[column] as Float64Array, 0, failed, residual);
    this.#add(this.#everyone, 0, failed, residual);
  }

  #add(slots: Float64Array, at: number, failed: boolean, residual: number): void {
    this.#age(slots, at, slots, at);
    slots[at + N] = (slots[at + N] as number) + 1;
    if (failed) {
      slots[at + FAILURES] = (slots[at + FAILURES] as number) + 1;
      return;
    }
    slots[at + SUCCESSES] = (slots[at + SUCCESSES] as number) + 1;
    slots[at + SUM] = (slots[at + SUM] as number) + residual;
    slots[at + SQUARES] = (slots[at + SQUARES] as number) + residual * residual;
  }

  /**
   * The hierarchical posterior for (state, provider), written into `out`, for a state found with
   * `stateArms` (undefined: a state with no arms). Reading changes nothing.
   */
  estimate(state: StateArms | undefined, providerId: string, out: ArmEstimate): void {
    const m = this.#options.priorStrength;
    if (this.#priorTick !== this.#tick) this.#pool();
    const allFailure = this.#allFailure;
    const noise = this.#noise;

    const others = this.#scratchProvider;
    const column = this.#providerColumn.get(providerId);
    if (column === undefined) others.fill(0);
    else this.#age(this.#providerSlots[column] as Float64Array, 0, others, 0);
    let n = 0;
    let failures = 0;
    let successes = 0;
    let sum = 0;
    const arm = state === undefined || column === undefined ? NONE : this.#armFor(state, column);
    if (arm !== NONE) {
      const chunk = this.#chunkOf(arm);
      const at = (arm & CHUNK_MASK) * RECORD;
      const factor = this.#factor(chunk[at + LAST] as number);
      n = (chunk[at + N] as number) * factor;
      failures = (chunk[at + FAILURES] as number) * factor;
      successes = (chunk[at + SUCCESSES] as number) * factor;
      sum = (chunk[at + SUM] as number) * factor;
    }
    const otherN = Math.max(0, (others[N] as number) - n);
    const otherFailures = Math.max(0, (others[FAILURES] as number) - failures);
    const otherSuccesses = Math.max(0, (others[SUCCESSES] as number) - successes);
    const otherSum = (others[SUM] as number) - sum;
    const providerFailure = (otherFailures + m * allFailure) / (otherN + m);
    const providerResidual = (otherSum + m * this.#allResidual) / (otherSuccesses + m);

    out.failureA = failures + m * providerFailure;
    out.failureB = Math.max(0, n - failures) + m * (1 - providerFailure);
    out.residual = (sum + m * providerResidual) / (successes + m);
    out.residualVariance = noise / (successes + m);
    out.count = n + m;
    out.noise = noise;
  }

  /** The pooled prior from every arm's counts, aged to now. */
  #pool(): void {
    const { priorFailureRate, priorStrength: m } = this.#options;
    const all = this.#scratch;
    this.#age(this.#everyone, 0, all, 0);
    this.#allFailure = ((all[FAILURES] as number) + m * priorFailureRate) / ((all[N] as number) + m);
    this.#allResidual = (all[SUM] as number) / ((all[SUCCESSES] as number) + m);
    const noiseWeight = (all[SUCCESSES] as number) + PRIOR_NOISE_WEIGHT;
    const spread = (all[SQUARES] as number) - (all[SUM] as number) * this.#allResidual;
    this.#noise = Math.max(1e-6, (spread + PRIOR_NOISE * PRIOR_NOISE_WEIGHT) / noiseWeight);
    this.#priorTick = this.#tick;
  }

  /** Calls `visit` for each state (in the order first learned) and each of its arms (likewise). */
  #eachArm(
    visitState: (stateKey: string, arms: number) => void,
    visitArm: (providerId: string, chunk: Float64Array, at: number) => void,
  ): void {
    const keys = this.#states.keys();
    for (let row = 0; row < keys.length; row++) {
      let arms = 0;
      for (
        let arm = this.#heads[row] as number;
        arm !== NONE;
        arm = this.#chunkOf(arm)[(arm & CHUNK_MASK) * RECORD + NEXT] as number
      )
        arms++;
      visitState(keys[row] as string, arms);
      for (let arm = this.#heads[row] as number; arm !== NONE; ) {
        const chunk = this.#chunkOf(arm);
        const at = (arm & CHUNK_MASK) * RECORD;
        visitArm(this.#providerIds[chunk[at + COLUMN] as number] as string, chunk, at);
        arm = chunk[at + NEXT] as number;
      }
    }
  }

  toJSON(): ArmStatisticsSnapshot {
    const arms: Record<string, Record<string, number[]>> = Object.create(null);
    let providers: Record<string, number[]> = Object.create(null);
    this.#eachArm(
      (stateKey) => {
        providers = Object.create(null);
        arms[stateKey] = providers;
      },
      (providerId, chunk, at) => {
        providers[providerId] = Array.from(chunk.subarray(at, at + SLOTS));
      },
    );
    return { tick: this.#tick, arms, ...this.#totalsJson() };
  }

  /** The provider and global totals as `toJSON` writes them (one entry per provider: small). */
  #totalsJson(): Pick<ArmStatisticsSnapshot, "providers" | "everyone"> {
    const providers: Record<string, number[]> = Object.create(null);
    this.#providerIds.forEach((providerId, column) => {
      providers[providerId] = Array.from(this.#providerSlots[column] as Float64Array);
    });
    return { providers, everyone: Array.from(this.#everyone) };
  }

  /**
   * `toJSON()` as of now, cheap to take however many states there are: one pass copies every
   * arm's counts into one `Float64Array` and keeps the state keys and provider ids it met (no
   * object or array per state or arm); the copy writes its JSON a few thousand states at a time
   * (`JSON_PIECES`). With 100,000 states of three arms, `toJSON()` held the event loop for ~1.1 s.
   */
  snapshot(): ArmStatisticsCopy {
    const stateKeys = this.#states.keys().slice();
    const armCounts = new Int32Array(stateKeys.length);
    const providerIds = new Array<string>(this.#armCount);
    const values = new Float64Array(this.#armCount * SLOTS);
    let state = 0;
    let arm = 0;
    this.#eachArm(
      (_stateKey, arms) => {
        armCounts[state++] = arms;
      },
      (providerId, chunk, at) => {
        providerIds[arm] = providerId;
        values.set(chunk.subarray(at, at + SLOTS), arm++ * SLOTS);
      },
    );
    const { providers, everyone } = this.#totalsJson();
    return new ArmStatisticsCopy(this.#tick, stateKeys, armCounts, providerIds, values, providers, everyone);
  }

  /** Restores what `toJSON` wrote into these (empty) statistics; `field` names the snapshot part in errors. */
  restore(snapshot: unknown, field: string): void {
    const s = snapshot as Partial<ArmStatisticsSnapshot> | null;
    if (typeof s !== "object" || s === null || !Number.isSafeInteger(s.tick) || (s.tick as number) < 0) {
      throw ValidationError.forField(`${field}.tick`, "must be a whole number ≥ 0");
    }
    const arms = s.arms as unknown;
    if (typeof arms !== "object" || arms === null || Array.isArray(arms)) {
      throw ValidationError.forField(`${field}.arms`, "must be an object: state key → provider id → counts");
    }
    const tick = s.tick as number;
    const slotsAt = (value: unknown, where: string): number[] => {
      const ok =
        Array.isArray(value) &&
        value.length === SLOTS &&
        value.every((v) => typeof v === "number" && Number.isFinite(v)) &&
        Number.isSafeInteger(value[LAST]) &&
        (value[LAST] as number) <= tick &&
        value.slice(1, 4).every((v) => (v as number) >= 0);
      if (!ok)
        throw ValidationError.forField(
          where,
          `must be ${SLOTS} finite numbers [whole tick ≤ ${tick}, n, failures, successes, Σ, Σ²]`,
        );
      // Counts learning can make: n = failures + successes, and Σr² · successes ≥ (Σr)² (Cauchy–Schwarz),
      // up to the rounding of their discounting.
      const [, n, failures, successes, sum, squares] = value as number[];
      const slack = 1e-6;
      if (
        Math.abs((n as number) - (failures as number) - (successes as number)) > slack * Math.max(1, n as number) ||
        (squares as number) * (successes as number) < (sum as number) ** 2 * (1 - slack) - slack
      ) {
        throw ValidationError.forField(
          where,
          "must be counts learning can make: n = failures + successes, and Σr² · successes ≥ (Σr)² (r the residuals)",
        );
      }
      return value as number[];
    };
    const providers = s.providers as unknown;
    if (typeof providers !== "object" || providers === null || Array.isArray(providers)) {
      throw ValidationError.forField(`${field}.providers`, "must be an object: provider id → counts");
    }
    const everyone = slotsAt(s.everyone, `${field}.everyone`);
    // Checked whole before anything is kept, so a bad snapshot leaves these statistics empty.
    const checked: [string, [string, number[]][]][] = [];
    for (const stateKey of Object.keys(arms)) {
      const row = (arms as Record<string, unknown>)[stateKey];
      if (typeof row !== "object" || row === null || Array.isArray(row)) {
        throw ValidationError.forField(`${field}.arms[${JSON.stringify(stateKey)}]`, "must be an object: provider id → counts");
      }
      const stateArms: [string, number[]][] = [];
      for (const providerId of Object.keys(row)) {
        const where = `${field}.arms[${JSON.stringify(stateKey)}][${JSON.stringify(providerId)}]`;
        stateArms.push([providerId, slotsAt((row as Record<string, unknown>)[providerId], where)]);
      }
      checked.push([stateKey, stateArms]);
    }
    const totals = Object.keys(providers).map(
      (providerId) =>
        [
          providerId,
          slotsAt((providers as Record<string, unknown>)[providerId], `${field}.providers[${JSON.stringify(providerId)}]`),
        ] as const,
    );
    this.#tick = tick;
    this.#priorTick = -1;
    for (const [providerId, slots] of totals) (this.#providerSlots[this.#column(providerId)] as Float64Array).set(slots);
    for (const [stateKey, stateArms] of checked) {
      const row = this.#rowOf(stateKey, true);
      for (const [providerId, slots] of stateArms) {
        const column = this.#column(providerId);
        const found = this.#armIn(row, column);
        const arm = found !== NONE ? found : this.#addArm(row, column);
        this.#chunkOf(arm).set(slots, (arm & CHUNK_MASK) * RECORD);
      }
    }
    this.#everyone.set(everyone);
  }

  /** The row of `stateKey` (−1 when it has none, unless `add`, which adds it). */
  #rowOf(stateKey: string, add: boolean): number {
    if (stateKey === this.#lastKey) return this.#lastRow;
    const row = add ? this.#states.ensure(stateKey, flatCopy) : this.#states.find(stateKey);
    if (row < 0) return row;
    if (row >= this.#heads.length) this.#growStates(row);
    this.#lastKey = stateKey;
    this.#lastRow = row;
    return row;
  }

  /** The column of `providerId`, interned the first time, with its totals. */
  #column(providerId: string): number {
    let column = this.#providerColumn.get(providerId);
    if (column === undefined) {
      column = this.#providerIds.length;
      this.#providerColumn.set(providerId, column);
      this.#providerIds.push(providerId);
      this.#providerSlots.push(new Float64Array(SLOTS));
      if (column >= this.#armOf.length) {
        const armOf = new Int32Array(2 * this.#armOf.length);
        const stamps = new Int32Array(2 * this.#stamps.length);
        armOf.set(this.#armOf);
        stamps.set(this.#stamps);
        this.#armOf = armOf;
        this.#stamps = stamps;
      }
    }
    return column;
  }

  /** Notes each of the state's arms by column for `#armFor`, under a new generation, which it returns. */
  #mark(row: number): number {
    const generation = this.#nextGeneration();
    const armOf = this.#armOf;
    const stamps = this.#stamps;
    for (let arm = this.#heads[row] as number; arm !== NONE; ) {
      const chunk = this.#chunkOf(arm);
      const at = (arm & CHUNK_MASK) * RECORD;
      const column = chunk[at + COLUMN] as number;
      armOf[column] = arm;
      stamps[column] = generation;
      arm = chunk[at + NEXT] as number;
    }
    return generation;
  }

  /** The state's arm for `column`: one read while its marks are the latest, else a walk of its chain (marked anew). */
  #armFor(state: StateArms, column: number): number {
    if (state.generation !== this.#generation) state.generation = this.#mark(state.row);
    return this.#stamps[column] === state.generation ? (this.#armOf[column] as number) : NONE;
  }

  /** The arm of `column` in `row` by walking its chain (for learning, which adds arms). */
  #armIn(row: number, column: number): number {
    for (let arm = this.#heads[row] as number; arm !== NONE; ) {
      const chunk = this.#chunkOf(arm);
      const at = (arm & CHUNK_MASK) * RECORD;
      if (chunk[at + COLUMN] === column) return arm;
      arm = chunk[at + NEXT] as number;
    }
    return NONE;
  }

  /** A new arm of zero counts for `column`, last in the chain of `row`. */
  #addArm(row: number, column: number): number {
    const arm = this.#armCount++;
    if ((arm & CHUNK_MASK) === 0) this.#chunks.push(new Float64Array(CHUNK_ARMS * RECORD));
    const chunk = this.#chunkOf(arm);
    const at = (arm & CHUNK_MASK) * RECORD;
    chunk[at + COLUMN] = column;
    chunk[at + NEXT] = NONE;
    const tail = this.#tails[row] as number;
    if (tail === NONE) this.#heads[row] = arm;
    else this.#chunkOf(tail)[(tail & CHUNK_MASK) * RECORD + NEXT] = arm;
    this.#tails[row] = arm;
    // A state's arms changed: marks taken before no longer list them all.
    this.#nextGeneration();
    return arm;
  }

  /** A new generation; the stamps start afresh before the count would leave an Int32Array's range. */
  #nextGeneration(): number {
    if (this.#generation === 0x7fffffff) {
      this.#stamps.fill(0);
      this.#generation = 0;
    }
    return ++this.#generation;
  }

  #chunkOf(arm: number): Float64Array {
    return this.#chunks[arm >>> CHUNK_BITS] as Float64Array;
  }

  #growStates(row: number): void {
    let length = this.#heads.length;
    while (length <= row) length *= 2;
    const heads = new Int32Array(length).fill(NONE);
    const tails = new Int32Array(length).fill(NONE);
    heads.set(this.#heads);
    tails.set(this.#tails);
    this.#heads = heads;
    this.#tails = tails;
  }

  /** γᵗ for an age of t ticks: from a table of γ⁰…γ⁴⁰⁹⁵ (each computed as `**` would), else computed. */
  #factor(last: number): number {
    const age = this.#tick - last;
    if (age < POWERS) return this.#powers[age] as number;
    const { discount } = this.#options;
    return discount === 1 ? 1 : discount ** age;
  }

  /** Writes the counts at `slots[at…]` aged to the current tick into `out[to…]` (which may be the same place). */
  #age(slots: Float64Array, at: number, out: Float64Array, to: number): void {
    const factor = this.#factor(slots[at + LAST] as number);
    out[to + LAST] = this.#tick;
    for (let i = N; i < SLOTS; i++) out[to + i] = (slots[at + i] as number) * factor;
  }
}

/** States per piece written by `ArmStatisticsCopy` (a few hundred KB of text). */
const STATES_PER_PIECE = 2_048;

/**
 * A point-in-time copy of `ArmStatistics` (see `ArmStatistics.snapshot`). `toJSON()` gives the
 * statistics' `toJSON()`; `[JSON_PIECES]` writes the same JSON (up to the order of integer-like
 * provider ids, which an object puts first) a few thousand states a piece.
 */
export class ArmStatisticsCopy implements JsonPieces {
  readonly #tick: number;
  readonly #stateKeys: readonly string[];
  readonly #armCounts: Int32Array;
  readonly #providerIds: readonly string[];
  readonly #values: Float64Array;
  readonly #providers: Record<string, number[]>;
  readonly #everyone: number[];

  constructor(
    tick: number,
    stateKeys: readonly string[],
    armCounts: Int32Array,
    providerIds: readonly string[],
    values: Float64Array,
    providers: Record<string, number[]>,
    everyone: number[],
  ) {
    this.#tick = tick;
    this.#stateKeys = stateKeys;
    this.#armCounts = armCounts;
    this.#providerIds = providerIds;
    this.#values = values;
    this.#providers = providers;
    this.#everyone = everyone;
  }

  get stateCount(): number {
    return this.#stateKeys.length;
  }

  toJSON(): ArmStatisticsSnapshot {
    const arms: Record<string, Record<string, number[]>> = Object.create(null);
    let arm = 0;
    for (let state = 0; state < this.#stateKeys.length; state++) {
      const row: Record<string, number[]> = Object.create(null);
      for (let end = arm + (this.#armCounts[state] as number); arm < end; arm++) {
        row[this.#providerIds[arm] as string] = Array.from(this.#values.subarray(arm * SLOTS, (arm + 1) * SLOTS));
      }
      arms[this.#stateKeys[state] as string] = row;
    }
    return { tick: this.#tick, arms, providers: this.#providers, everyone: this.#everyone };
  }

  *[JSON_PIECES](): Generator<string> {
    const values = this.#values;
    const number = (value: number) => (Number.isFinite(value) ? String(value) : "null");
    yield `{"tick":${this.#tick},"arms":{`;
    let text = "";
    let arm = 0;
    for (let state = 0; state < this.#stateKeys.length; state++) {
      let row = "";
      for (let end = arm + (this.#armCounts[state] as number); arm < end; arm++) {
        let slots = number(values[arm * SLOTS] as number);
        for (let i = 1; i < SLOTS; i++) slots += `,${number(values[arm * SLOTS + i] as number)}`;
        row += `${row.length > 0 ? "," : ""}${JSON.stringify(this.#providerIds[arm])}:[${slots}]`;
      }
      text += `${state > 0 ? "," : ""}${JSON.stringify(this.#stateKeys[state])}:{${row}}`;
      if ((state + 1) % STATES_PER_PIECE === 0) {
        yield text;
        text = "";
      }
    }
    yield `${text}},"providers":${JSON.stringify(this.#providers)},"everyone":${JSON.stringify(this.#everyone)}}`;
  }
}
