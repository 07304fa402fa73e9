import {
  constraintsSchema,
  contextSchema,
  idSchema,
  MAX_GPU_HOURS,
  MAX_LATENCY_MS,
  MAX_PRICE_USD_PER_HOUR,
  MAX_PROVIDERS_PER_REQUEST,
  providerSchema,
  toValidationError,
  ValidationError,
} from "@aurora/domain";
import { z } from "zod";

/**
 * A scenario file: a market (providers with an advertised face and a hidden truth), the
 * tenants whose jobs make the requests, and the events scheduled during the run.
 * Field names are snake_case like the wire records they produce.
 */

/** An object that rejects unknown fields, so a misspelt field is named instead of ignored. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: check the spelling against the scenario format in the README`
        : undefined,
  });
}

/** Most steps in a run: 10,000,000 take several minutes. */
export const MAX_DECISIONS = 10_000_000;

const probability = z
  .number({ error: "must be a probability from 0 to 1" })
  .min(0, { error: "must be a probability from 0 to 1" })
  .max(1, { error: "must be a probability from 0 to 1" });

const positive = (what: string) =>
  z
    .number({ error: `must be a finite number > 0 (${what})` })
    .finite()
    .positive({ error: `must be > 0 (${what})` });

const nonNegative = (what: string) =>
  z
    .number({ error: `must be a finite number ≥ 0 (${what})` })
    .finite()
    .min(0, { error: `must be ≥ 0 (${what})` });

/**
 * At most `max`: the domain's bound on the same quantity in a request, so that every request the
 * market makes is one the engine accepts (a larger value would fail the run at its first step).
 */
const atMost = <T extends z.ZodNumber>(schema: T, max: number, what: string) =>
  schema.max(max, { error: `must be at most ${max.toLocaleString("en-US")} (${what}), the most a request may carry` });

/**
 * `{ "<key>": value }` with user-chosen keys (GPU types, regions). zod's own record drops a
 * `__proto__` key, so this one reads the own keys itself and returns a null-prototype object:
 * `__proto__` and `constructor` are ordinary keys here.
 */
function keyedRecord<V extends z.ZodType<number>>(value: V, what: string) {
  return z
    .custom<Record<string, z.output<V>>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
      error: `must be an object mapping ${what}`,
    })
    .superRefine((record, ctx) => {
      for (const [key, entry] of Object.entries(record)) {
        if (key === "") ctx.addIssue({ code: "custom", path: [key], message: "keys must not be empty" });
        const result = value.safeParse(entry);
        if (!result.success) {
          for (const issue of result.error.issues) {
            ctx.addIssue({ code: "custom", path: [key, ...issue.path], message: issue.message });
          }
        }
      }
    })
    .transform((record) => {
      const copy: Record<string, z.output<V>> = Object.create(null);
      for (const [key, entry] of Object.entries(record)) copy[key] = entry;
      return copy;
    });
}

const stepOrShare = (what: string, min: number) =>
  z.union(
    [
      z
        .number({ error: `must be ${what}: a step count (an integer ≥ ${min}) or a share of the run such as "40%"` })
        .int({ error: `must be an integer step count ≥ ${min}, or a share of the run such as "40%"` })
        .min(min, { error: `must be an integer step count ≥ ${min}, or a share of the run such as "40%"` }),
      z
        .string({ error: `must be ${what}: a step count or a share of the run such as "40%"` })
        .regex(/^\d+(\.\d+)?%$/, { error: `must be a step count or a share of the run written like "40%" or "12.5%"` })
        .refine((s) => Number.parseFloat(s) <= 100, { error: "must be a share of at most 100%" })
        // A step count below `min` is refused, so a share of nothing is too (it is no steps at all).
        .refine((s) => min === 0 || Number.parseFloat(s) > 0, { error: `must be a share above 0%, or a step count ≥ ${min}` }),
    ],
    { error: `must be ${what}: a step count (an integer ≥ ${min}) or a share of the run such as "40%"` },
  );

/** When an event starts: a step index from 0, or a share of the run ("40%" → step ⌊0.4·decisions⌋). */
export const atSchema = stepOrShare("when the event starts", 0);
/** How long a windowed event lasts: steps, or a share of the run. Absent: to the end of the run. */
export const durationSchema = stepOrShare("how long the event lasts", 1);
export type StepOrShare = z.output<typeof atSchema>;

export const advertisedSchema = strict({
  /** USD per GPU hour for each GPU type offered; the keys are the provider's `gpu_types`. */
  prices: keyedRecord(
    // Advertised to 4 decimals: a price under 0.0001 would be advertised (and billed) as 0.
    atMost(positive("USD per GPU hour"), MAX_PRICE_USD_PER_HOUR, "USD per GPU hour").min(0.0001, {
      error: "must be at least 0.0001 (USD per GPU hour): prices are advertised to 4 decimals, and a smaller one would be 0",
    }),
    "each GPU type offered to its price in USD per GPU hour",
  ),
  latency_ms: providerSchema.shape.latency_ms,
  reputation: providerSchema.shape.reputation,
  /** GPU hours free at any moment; null or absent means unlimited. */
  capacity_available: nonNegative("GPU hours available").nullable().default(null),
  regions: z.array(contextSchema.shape.region).min(1, { error: "must list at least one region" }),
});

export const hiddenSchema = strict({
  /** Chance that a job fails anywhere. */
  failure_rate: probability,
  /** Further, independent chance of failure in these regions: p = 1 − (1 − base)(1 − region)(1 − gpu). */
  extra_failure_rate_by_region: keyedRecord(probability, "regions to an extra failure probability").optional(),
  /** Further, independent chance of failure on these GPU types. */
  extra_failure_rate_by_gpu: keyedRecord(probability, "GPU types to an extra failure probability").optional(),
  /** Mean of the latency jobs really see, in ms. */
  latency_mean_ms: atMost(nonNegative("mean real latency in milliseconds"), MAX_LATENCY_MS, "milliseconds"),
  /** Standard deviation of the real latency, in ms (log-normal, so never negative). */
  latency_sd_ms: atMost(nonNegative("spread of the real latency in milliseconds"), MAX_LATENCY_MS, "milliseconds").default(0),
  /** Real cost = advertised price × GPU hours × cost_factor (hidden fees, discounts). */
  cost_factor: positive("real cost per advertised cost").default(1),
  /** Coefficient of variation of the real cost around its mean (log-normal). */
  cost_cv: nonNegative("relative spread of the real cost").default(0.05),
});

export const scenarioProviderSchema = strict({
  provider_id: idSchema,
  /** Free text for people: "hyperscaler", "DePIN", … */
  kind: z.string({ error: "must be a string" }).optional(),
  advertised: advertisedSchema,
  hidden: hiddenSchema,
});

export const tenantConstraintsSchema = strict({
  max_price: constraintsSchema.shape.max_price,
  max_latency_ms: constraintsSchema.shape.max_latency_ms,
  min_reputation: constraintsSchema.shape.min_reputation,
  max_cost_usd: constraintsSchema.shape.max_cost_usd,
});

const gpuHours = atMost(positive("GPU hours"), MAX_GPU_HOURS, "GPU hours");

export const workloadSchema = strict({
  workload_type: contextSchema.shape.workload_type,
  /** One is drawn uniformly per job. */
  gpu_types: z.array(contextSchema.shape.gpu_type).min(1, { error: "must list at least one GPU type" }),
  /** [min, max] GPU hours; a job's size is drawn uniformly in it, to 0.01 h. */
  gpu_hours: z.tuple([gpuHours, gpuHours], {
    error: "must be [min, max] GPU hours, e.g. [0.2, 1]",
  }),
  weight: positive("relative frequency").default(1),
});

export const tenantSchema = strict({
  tenant_id: idSchema,
  weight: positive("relative frequency").default(1),
  /** One is drawn uniformly per job. */
  regions: z.array(contextSchema.shape.region).min(1, { error: "must list at least one region" }),
  constraints: tenantConstraintsSchema.default({}),
  workloads: z.array(workloadSchema).min(1, { error: "must list at least one workload" }),
});

const eventBase = {
  at: atSchema,
  /** Shown on charts; defaults to a description built from the event. */
  label: z.string({ error: "must be a string" }).max(200, { error: "must be at most 200 characters" }).optional(),
};

export const eventSchema = z.discriminatedUnion(
  "type",
  [
    /** Advertised (and so real) price × factor. No provider_ids: every provider. No gpu_types: every GPU. */
    strict({
      type: z.literal("price_spike"),
      ...eventBase,
      duration: durationSchema.optional(),
      factor: positive("price multiplier"),
      provider_ids: z.array(idSchema).min(1, { error: "must list at least one provider, or be left out for all" }).optional(),
      gpu_types: z
        .array(contextSchema.shape.gpu_type)
        .min(1, { error: "must list at least one GPU type, or be left out for all" })
        .optional(),
    }),
    /** Jobs fail with this probability (default 1); the advertised record does not change. */
    strict({
      type: z.literal("outage"),
      ...eventBase,
      duration: durationSchema.optional(),
      provider_id: idSchema,
      failure_rate: probability.default(1),
      regions: z
        .array(contextSchema.shape.region)
        .min(1, { error: "must list at least one region, or be left out for all" })
        .optional(),
    }),
    /** Real latency (mean and spread) × factor; the advertised latency does not change. */
    strict({
      type: z.literal("latency_spike"),
      ...eventBase,
      duration: durationSchema.optional(),
      provider_id: idSchema,
      factor: positive("latency multiplier"),
    }),
    /** Advertised reputation set `to` a value or lowered `by` points (floored at 0). */
    strict({
      type: z.literal("reputation_drop"),
      ...eventBase,
      duration: durationSchema.optional(),
      provider_id: idSchema,
      to: providerSchema.shape.reputation.optional(),
      by: nonNegative("reputation points").optional(),
    }),
    /** The provider is absent before this step. */
    strict({ type: z.literal("provider_joins"), ...eventBase, provider_id: idSchema }),
    /** The provider is absent from this step on. */
    strict({ type: z.literal("provider_leaves"), ...eventBase, provider_id: idSchema }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? 'must have a "type" of price_spike, outage, latency_spike, reputation_drop, provider_joins or provider_leaves'
        : undefined,
  },
);

export const scenarioSchema = strict({
  name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
  description: z.string({ error: "must be a string" }).default(""),
  /** Steps in a run unless `runSimulation({ decisions })` says otherwise; one request per step. */
  decisions: z
    .number({ error: "must be an integer ≥ 1 (steps in a run)" })
    .int({ error: "must be an integer ≥ 1 (steps in a run)" })
    .min(1, { error: "must be an integer ≥ 1 (steps in a run)" })
    .max(MAX_DECISIONS, { error: `must be at most ${MAX_DECISIONS.toLocaleString("en-US")} (steps in a run)` })
    .default(5000),
  /** Every provider present at a step is a candidate of its request: at most the request's limit. */
  providers: z
    .array(scenarioProviderSchema)
    .min(1, { error: "must list at least one provider" })
    .max(MAX_PROVIDERS_PER_REQUEST, {
      error: `must list at most ${MAX_PROVIDERS_PER_REQUEST.toLocaleString("en-US")} providers, the most a request may carry`,
    }),
  tenants: z.array(tenantSchema).min(1, { error: "must list at least one tenant" }),
  events: z.array(eventSchema).default([]),
}).superRefine((scenario, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });

  const providerIds = new Set<string>();
  const regionsServed = new Set<string>();
  const gpusOffered = new Set<string>();
  scenario.providers.forEach((provider, i) => {
    if (providerIds.has(provider.provider_id)) {
      issue(["providers", i, "provider_id"], `duplicate provider_id "${provider.provider_id}": each provider must appear once`);
    }
    providerIds.add(provider.provider_id);
    for (const region of provider.advertised.regions) regionsServed.add(region);
    for (const gpu of Object.keys(provider.advertised.prices)) gpusOffered.add(gpu);
    if (Object.keys(provider.advertised.prices).length === 0) {
      issue(["providers", i, "advertised", "prices"], "must price at least one GPU type");
    }
  });

  const tenantIds = new Set<string>();
  scenario.tenants.forEach((tenant, t) => {
    if (tenantIds.has(tenant.tenant_id)) {
      issue(["tenants", t, "tenant_id"], `duplicate tenant_id "${tenant.tenant_id}": each tenant must appear once`);
    }
    tenantIds.add(tenant.tenant_id);
    tenant.regions.forEach((region, r) => {
      if (!regionsServed.has(region))
        issue(["tenants", t, "regions", r], `no provider serves region "${region}": add it to a provider's advertised.regions`);
    });
    tenant.workloads.forEach((workload, w) => {
      const [min, max] = workload.gpu_hours;
      if (min > max)
        issue(["tenants", t, "workloads", w, "gpu_hours"], `must be [min, max] with min ≤ max, got [${min}, ${max}]`);
      workload.gpu_types.forEach((gpu, g) => {
        if (!gpusOffered.has(gpu)) {
          issue(
            ["tenants", t, "workloads", w, "gpu_types", g],
            `no provider offers GPU type "${gpu}": add it to a provider's advertised.prices`,
          );
        }
      });
    });
  });

  /** A spike must leave every price it multiplies one that a request may carry. */
  const checkSpikedPrice = (event: Extract<ScenarioEvent, { type: "price_spike" }>, e: number) => {
    const targets = event.provider_ids === undefined ? null : new Set(event.provider_ids);
    let highest: { price: number; providerId: string; gpu: string } | undefined;
    for (const provider of scenario.providers) {
      if (targets !== null && !targets.has(provider.provider_id)) continue;
      const prices = provider.advertised.prices;
      const gpus = Object.keys(prices);
      // A request for a GPU type the provider lacks shows its lowest price, which the spike multiplies too.
      const lowest = gpus.reduce<string | undefined>(
        (a, g) => (a === undefined || (prices[g] as number) < (prices[a] as number) ? g : a),
        undefined,
      );
      for (const gpu of event.gpu_types?.map((g) => (Object.hasOwn(prices, g) ? g : lowest)) ?? gpus) {
        if (gpu === undefined) continue;
        const price = prices[gpu] as number;
        if (highest === undefined || price > highest.price) highest = { price, providerId: provider.provider_id, gpu };
      }
    }
    if (highest !== undefined && highest.price * event.factor > MAX_PRICE_USD_PER_HOUR) {
      const limit = Math.floor((MAX_PRICE_USD_PER_HOUR / highest.price) * 1000) / 1000;
      issue(
        ["events", e, "factor"],
        `would raise provider "${highest.providerId}"'s ${highest.gpu} price of ${highest.price} USD per GPU hour to ` +
          `${highest.price * event.factor}, above ${MAX_PRICE_USD_PER_HOUR.toLocaleString("en-US")}, the most a request may carry: ` +
          `use a factor of at most ${limit.toLocaleString("en-US")}`,
      );
    }
  };

  // Regions and GPU types a job can have: a name elsewhere that is none of them never applies (a typo).
  const jobRegions = { noun: "region", names: new Set(scenario.tenants.flatMap((tenant) => tenant.regions)) };
  const jobGpus = {
    noun: "GPU type",
    names: new Set(scenario.tenants.flatMap((tenant) => tenant.workloads.flatMap((workload) => workload.gpu_types))),
  };
  /** Each name that no job has, refused at `path` plus the name (a record's key) or its index (a list's). */
  const checkNames = (names: readonly string[], known: typeof jobRegions, path: PropertyKey[], keyed: boolean) => {
    names.forEach((name, k) => {
      if (known.names.has(name)) return;
      issue(
        [...path, keyed ? name : k],
        `"${name}" is no ${known.noun} any tenant's jobs have (${[...known.names].join(", ")}), so it would never apply`,
      );
    });
  };
  scenario.providers.forEach((provider, i) => {
    for (const [field, known] of [
      ["extra_failure_rate_by_region", jobRegions],
      ["extra_failure_rate_by_gpu", jobGpus],
    ] as const) {
      const rates = provider.hidden[field];
      if (rates) checkNames(Object.keys(rates), known, ["providers", i, "hidden", field], true);
    }
  });

  const joins = new Map<string, number>();
  const leaves = new Map<string, number>();
  scenario.events.forEach((event, e) => {
    const ids = "provider_id" in event ? [event.provider_id] : (event.provider_ids ?? []);
    const listed = new Set<string>();
    ids.forEach((id, k) => {
      if (!providerIds.has(id)) {
        const path = "provider_id" in event ? ["events", e, "provider_id"] : ["events", e, "provider_ids", k];
        issue(path, `unknown provider "${id}": it must be one of the scenario's providers`);
      } else if (listed.has(id)) {
        issue(["events", e, "provider_ids", k], `provider "${id}" is listed twice: its price would be multiplied twice`);
      }
      listed.add(id);
    });
    if (event.type === "outage" && event.regions) checkNames(event.regions, jobRegions, ["events", e, "regions"], false);
    if (event.type === "price_spike" && event.gpu_types) checkNames(event.gpu_types, jobGpus, ["events", e, "gpu_types"], false);
    if (event.type === "price_spike") checkSpikedPrice(event, e);
    if (event.type === "reputation_drop" && (event.to === undefined) === (event.by === undefined)) {
      issue(["events", e], 'a reputation_drop needs exactly one of "to" (new reputation) or "by" (points lost)');
    }
    if (event.type === "provider_joins" || event.type === "provider_leaves") {
      const seen = event.type === "provider_joins" ? joins : leaves;
      const earlier = seen.get(event.provider_id);
      if (earlier !== undefined) {
        issue(
          ["events", e, "provider_id"],
          `provider "${event.provider_id}" already has a ${event.type} event (events[${earlier}]): a provider joins and leaves at most once`,
        );
      }
      seen.set(event.provider_id, e);
    }
  });
  if (scenario.providers.every((p) => joins.has(p.provider_id) || leaves.has(p.provider_id))) {
    issue(
      ["providers"],
      "at least one provider must be present for the whole run (no provider_joins or provider_leaves event), so every request has a candidate",
    );
  }
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioProvider = z.output<typeof scenarioProviderSchema>;
export type Tenant = z.output<typeof tenantSchema>;
export type Workload = z.output<typeof workloadSchema>;
export type ScenarioEvent = z.output<typeof eventSchema>;
export type ScenarioEventType = ScenarioEvent["type"];

/**
 * Validates a scenario (a parsed JSON value). A bad one throws a `ValidationError` whose
 * `field` names the offending path, e.g. `events[2].at`; `source` (a file) is added to the messages.
 */
export function parseScenario(value: unknown, source?: string): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (result.success) return result.data;
  const error = toValidationError(result.error);
  if (source === undefined) throw error;
  const issues = error.issues.map((issue) => ({ field: issue.field, message: `${issue.message} (in ${source})` }));
  throw new ValidationError(issues, { cause: result.error });
}
