import { resolve } from "node:path";
import { policyKinds } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { ConfigError } from "./config-error.js";

function problemOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected parseConfig to refuse the environment");
}

describe("parseConfig", () => {
  describe("defaults", () => {
    it("serves on 127.0.0.1:8000 at info level, auto-saving every 10 decisions, with a 1 MiB body limit", () => {
      expect(parseConfig({})).toEqual({
        port: 8000,
        host: "127.0.0.1",
        logLevel: "info",
        psiFieldUrl: undefined,
        psiTimeoutMs: undefined,
        psiTtlMs: undefined,
        modelPath: undefined,
        strictAudit: false,
        autoSave: true,
        saveEvery: 10,
        minCompactBytes: undefined,
        apiToken: undefined,
        bodyLimit: 1_048_576,
        rewardWaitMs: undefined,
        defaultReward: undefined,
        alternatives: undefined,
        seed: undefined,
        policy: undefined,
        shutdownTimeoutMs: 10_000,
      });
    });

    it("ignores variables it does not know", () => {
      expect(parseConfig({ PATH: "/usr/bin", HOME: "/root" }).port).toBe(8000);
    });

    it("treats an empty variable as unset", () => {
      expect(parseConfig({ PORT: "", STRICT_AUDIT: "", MODEL_PATH: "" })).toMatchObject({
        port: 8000,
        strictAudit: false,
        modelPath: undefined,
      });
    });
  });

  describe("valid", () => {
    it("reads every variable", () => {
      expect(
        parseConfig({
          PORT: "9090",
          HOST: "0.0.0.0",
          LOG_LEVEL: "DEBUG",
          PSI_FIELD_URL: "http://psi-field:9091",
          PSI_TIMEOUT_MS: "500",
          PSI_TTL_MS: "10000",
          MODEL_PATH: "/var/lib/aurora/model.json",
          AURORA_DECISION_LOG: "/var/log/aurora/decisions.jsonl",
          STRICT_AUDIT: "yes",
          AUTO_SAVE: "0",
          SAVE_EVERY: "25",
          AURORA_MIN_COMPACT_BYTES: "0",
          AURORA_AUDIT_MAX_BYTES: "1073741824",
          AURORA_AUDIT_MAX_AGE_DAYS: "90",
          AURORA_API_TOKEN: "s3cret",
          BODY_LIMIT: "2mb",
          AURORA_REWARD_WAIT_MS: "60000",
          AURORA_DEFAULT_REWARD: "-5.5",
          AURORA_ALTERNATIVES: "0",
          AURORA_DECISION_RECORDS: "500",
          AURORA_SEED: "42",
          AURORA_POLICY: '{"kind":"q-learning","epsilon":0.2}',
          AURORA_GUARDRAIL: "rule",
          SHUTDOWN_TIMEOUT_MS: "3000",
        }),
      ).toEqual({
        port: 9090,
        host: "0.0.0.0",
        logLevel: "debug",
        psiFieldUrl: "http://psi-field:9091",
        psiTimeoutMs: 500,
        psiTtlMs: 10_000,
        modelPath: "/var/lib/aurora/model.json",
        decisionLogPath: "/var/log/aurora/decisions.jsonl",
        strictAudit: true,
        autoSave: false,
        saveEvery: 25,
        minCompactBytes: 0,
        auditRetention: { maxBytes: 1_073_741_824, maxAgeMs: 90 * 86_400_000 },
        apiToken: "s3cret",
        bodyLimit: 2_097_152,
        rewardWaitMs: 60_000,
        defaultReward: -5.5,
        alternatives: 0,
        decisionRecords: 500,
        seed: 42,
        policy: { kind: "q-learning", epsilon: 0.2 },
        guardrail: { baseline: { kind: "rule" } },
        shutdownTimeoutMs: 3000,
      });
    });

    it("resolves a relative MODEL_PATH against the working directory", () => {
      expect(parseConfig({ MODEL_PATH: "model.json" }).modelPath).toBe(resolve("model.json"));
    });

    it.each([
      ["true", true],
      ["TRUE", true],
      ["1", true],
      ["on", true],
      ["false", false],
      ["No", false],
      ["off", false],
    ])("reads STRICT_AUDIT=%s as %s", (text, value) => {
      expect(parseConfig({ STRICT_AUDIT: text }).strictAudit).toBe(value);
    });

    it.each([
      ["4096", 4096],
      ["64kb", 65_536],
      ["1MB", 1_048_576],
      ["1024b", 1024],
    ])("reads BODY_LIMIT=%s as %d bytes", (text, bytes) => {
      expect(parseConfig({ BODY_LIMIT: text }).bodyLimit).toBe(bytes);
    });

    it("reads BODY_LIMIT=256mb, the largest it takes", () => {
      expect(parseConfig({ BODY_LIMIT: "256mb" }).bodyLimit).toBe(268_435_456);
    });

    it.each([
      ["-20", -20],
      ["0.5", 0.5],
      [".5", 0.5],
      ["+3", 3],
      ["1e3", 1000],
      ["-1e16", -1e16],
      [" 7 ", 7],
    ])("reads AURORA_DEFAULT_REWARD=%j as %d", (text, reward) => {
      expect(parseConfig({ AURORA_DEFAULT_REWARD: text }).defaultReward).toBe(reward);
    });

    it("reads AURORA_REWARD_WEIGHTS as the engine's rewardWeights", () => {
      expect(parseConfig({ AURORA_REWARD_WEIGHTS: ' {"failure_reward":-5,"cost":2} ' }).rewardWeights).toEqual({
        failure_reward: -5,
        cost: 2,
      });
      expect(parseConfig({}).rewardWeights).toBeUndefined();
    });

    it("trims MODEL_PATH like every other variable", () => {
      expect(parseConfig({ MODEL_PATH: " /var/lib/aurora/model.json \n" }).modelPath).toBe("/var/lib/aurora/model.json");
    });

    it("takes a token with inner spaces, which a header carries as they are", () => {
      expect(parseConfig({ AURORA_API_TOKEN: "correct horse battery" }).apiToken).toBe("correct horse battery");
    });

    it("takes AURORA_POLICY with a guardrail that names no policy of its own, and a guardrail's own policy alone", () => {
      expect(parseConfig({ AURORA_POLICY: "ucb1", AURORA_GUARDRAIL: '{"minSamples":50}' })).toMatchObject({
        policy: { kind: "ucb1" },
        guardrail: { minSamples: 50 },
      });
      expect(parseConfig({ AURORA_GUARDRAIL: '{"policy":{"kind":"ucb1"}}' }).guardrail).toEqual({ policy: { kind: "ucb1" } });
    });

    it("accepts PORT=0 (a free port)", () => {
      expect(parseConfig({ PORT: "0" }).port).toBe(0);
    });
  });

  describe("DATABASE_URL", () => {
    it("selects the PostgreSQL store with a postgres:// URL", () => {
      expect(parseConfig({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/aurora" }).databaseUrl).toBe(
        "postgres://postgres@127.0.0.1:5432/aurora",
      );
    });

    it("trims it like every other variable", () => {
      expect(parseConfig({ DATABASE_URL: " postgres://postgres@127.0.0.1:5432/aurora " }).databaseUrl).toBe(
        "postgres://postgres@127.0.0.1:5432/aurora",
      );
    });

    it("refuses a URL of another database", () => {
      expect(() => parseConfig({ DATABASE_URL: "mysql://root@db/aurora" })).toThrow(/DATABASE_URL.*PostgreSQL URL/);
    });
  });

  describe("AURORA_DECISION_LOG", () => {
    it("resolves the decision log's path against the working directory, trimmed", () => {
      expect(parseConfig({ AURORA_DECISION_LOG: " decisions.jsonl\n" }).decisionLogPath).toBe(resolve("decisions.jsonl"));
      expect(parseConfig({}).decisionLogPath).toBeUndefined();
    });

    it("takes it with either store, or none", () => {
      expect(parseConfig({ AURORA_DECISION_LOG: "/d.jsonl", MODEL_PATH: "/m.json" }).decisionLogPath).toBe("/d.jsonl");
      expect(parseConfig({ AURORA_DECISION_LOG: "/d.jsonl", DATABASE_URL: "postgres://db/aurora" }).decisionLogPath).toBe(
        "/d.jsonl",
      );
    });

    it("refuses a blank one, naming it", () => {
      expect(problemOf({ AURORA_DECISION_LOG: " " }).message).toBe(
        "invalid configuration: AURORA_DECISION_LOG: must be the path of the decision log, e.g. /data/decisions.jsonl; got only whitespace",
      );
    });

    it("refuses the model file's own path, naming both variables", () => {
      const error = problemOf({ AURORA_DECISION_LOG: "./m.json", MODEL_PATH: resolve("m.json") });
      expect(error.variable).toBe("AURORA_DECISION_LOG");
      expect(error.message).toBe(
        `invalid configuration: AURORA_DECISION_LOG: is MODEL_PATH's file (${resolve("m.json")}): the decision log is a JSONL file of its own, e.g. ${resolve("decisions.jsonl")}`,
      );
    });
  });

  describe("AURORA_DATABASE_SCHEMA", () => {
    it("accepts a lower-case SQL identifier", () => {
      expect(parseConfig({ AURORA_DATABASE_SCHEMA: "aurora_fleet_2" }).databaseSchema).toBe("aurora_fleet_2");
    });

    it.each(["information_schema", "pg_catalog", "pg_temp", "pg_toast", "pg_aurora"])(
      "refuses %s, a schema of PostgreSQL's own, naming the variable",
      (schema) => {
        expect(() => parseConfig({ AURORA_DATABASE_SCHEMA: schema })).toThrow(
          `AURORA_DATABASE_SCHEMA: must not be one of PostgreSQL's own schemas (information_schema, or a name starting with pg_, which PostgreSQL reserves); got "${schema}": pick another, such as aurora`,
        );
      },
    );
  });

  describe("invalid", () => {
    it.each([
      ["PORT", "abc", 'PORT: must be a whole number from 0 to 65535 (TCP port; 0 picks a free one); got "abc"'],
      ["PORT", "70000", 'PORT: must be a whole number from 0 to 65535 (TCP port; 0 picks a free one); got "70000"'],
      ["PORT", "80.5", 'PORT: must be a whole number from 0 to 65535 (TCP port; 0 picks a free one); got "80.5"'],
      ["LOG_LEVEL", "verbose", 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"'],
      [
        "PSI_FIELD_URL",
        "psi-field:9091",
        'PSI_FIELD_URL: must be an absolute http(s) URL such as http://psi-field:9091; got "psi-field:9091"',
      ],
      [
        "PSI_FIELD_URL",
        "ftp://psi",
        'PSI_FIELD_URL: must be an absolute http(s) URL such as http://psi-field:9091; got "ftp://psi"',
      ],
      [
        "PSI_TIMEOUT_MS",
        "0",
        'PSI_TIMEOUT_MS: must be a whole number from 1 to 60000 (milliseconds one Ψ-Field request may take); got "0"',
      ],
      ["STRICT_AUDIT", "maybe", 'STRICT_AUDIT: must be true or false (also accepted: 1/0, yes/no, on/off); got "maybe"'],
      ["AUTO_SAVE", "2", 'AUTO_SAVE: must be true or false (also accepted: 1/0, yes/no, on/off); got "2"'],
      ["SAVE_EVERY", "0", 'SAVE_EVERY: must be a whole number from 1 to 1000000000 (decisions between model snapshots); got "0"'],
      ["AURORA_API_TOKEN", "  ", "AURORA_API_TOKEN: is set but empty: unset it to turn authentication off, or give it a secret"],
      [
        "BODY_LIMIT",
        "10gb",
        'BODY_LIMIT: must be a size from 1024 bytes to 256mb, in bytes or with a kb/mb suffix, e.g. 1048576 or 1mb; got "10gb"',
      ],
      [
        "BODY_LIMIT",
        "100",
        'BODY_LIMIT: must be a size from 1024 bytes to 256mb, in bytes or with a kb/mb suffix, e.g. 1048576 or 1mb; got "100"',
      ],
      [
        "AURORA_REWARD_WAIT_MS",
        "-1",
        'AURORA_REWARD_WAIT_MS: must be a whole number from 1 to 2147483647 (milliseconds a decision waits for its feedback); got "-1"',
      ],
      [
        "AURORA_DEFAULT_REWARD",
        "NaN",
        'AURORA_DEFAULT_REWARD: must be a decimal number within ±1e16 (reward learned when no feedback arrives in time); got "NaN"',
      ],
      [
        "AURORA_DECISION_RECORDS",
        "-1",
        'AURORA_DECISION_RECORDS: must be a whole number from 0 to 1000000 (recent decisions GET /decisions/:id can explain); got "-1"',
      ],
      [
        "AURORA_ALTERNATIVES",
        "101",
        'AURORA_ALTERNATIVES: must be a whole number from 0 to 100 (ranked fallbacks returned per decision); got "101"',
      ],
      [
        "AURORA_POLICY",
        '{"epsilon":0.2}',
        'AURORA_POLICY: must be a policy name such as q-learning or ucb1 (GET /policies lists them), or a JSON object naming its kind, e.g. {"kind":"q-learning","epsilon":0.2}; got "{"epsilon":0.2}"',
      ],
      [
        "AURORA_GUARDRAIL",
        "[]",
        'AURORA_GUARDRAIL: must be the baseline policy\'s name such as rule, on (the rule baseline), off, or a JSON object of guardrail settings, e.g. {"baseline":{"kind":"rule"},"minSamples":50}; got "[]"',
      ],
      [
        "AURORA_REWARD_WEIGHTS",
        "cost=2",
        'AURORA_REWARD_WEIGHTS: must be a JSON object of reward weights, e.g. {"failure_reward":-5,"cost":2} (keys success_bonus, failure_reward, cost, latency_divisor, reputation_divisor); got "cost=2"',
      ],
      [
        "AURORA_REWARD_WEIGHTS",
        '{"cost":-1}',
        "AURORA_REWARD_WEIGHTS: cost: must be ≥ 0 (the weight of actual_cost_usd, subtracted)",
      ],
      [
        "AURORA_REWARD_WEIGHTS",
        '{"latency_divisor":0}',
        "AURORA_REWARD_WEIGHTS: latency_divisor: must be > 0 (actual_latency_ms is divided by it)",
      ],
      ["AURORA_REWARD_WEIGHTS", '{"failure":-5}', 'AURORA_REWARD_WEIGHTS: Unrecognized key: "failure"'],
      ["AURORA_REWARD_WEIGHTS", '{"success_bonus":"10"}', "AURORA_REWARD_WEIGHTS: success_bonus: must be a finite number"],
      [
        "SHUTDOWN_TIMEOUT_MS",
        "soon",
        'SHUTDOWN_TIMEOUT_MS: must be a whole number from 1 to 2147483647 (milliseconds a graceful shutdown may take); got "soon"',
      ],
    ])("refuses %s=%j with a message naming it", (variable, value, message) => {
      const error = problemOf({ [variable]: value });
      expect(error.variable).toBe(variable);
      expect(error.message).toBe(`invalid configuration: ${message}`);
    });

    it.each(["600mb", "257mb", "1024mb", String(256 * 1024 * 1024 + 1)])(
      "refuses BODY_LIMIT=%s, past 256mb (a body read as one string past ~512 MiB kills the process)",
      (text) => {
        expect(problemOf({ BODY_LIMIT: text }).message).toBe(
          `invalid configuration: BODY_LIMIT: must be a size from 1024 bytes to 256mb, in bytes or with a kb/mb suffix, e.g. 1048576 or 1mb; got "${text}"`,
        );
      },
    );

    it.each(["s3cret ", " s3cret", "s3cret\n", "\ts3cret", "s3cret\u00a0"])(
      "refuses AURORA_API_TOKEN=%j, whose whitespace at an end no client can send",
      (token) => {
        expect(problemOf({ AURORA_API_TOKEN: token }).message).toBe(
          "invalid configuration: AURORA_API_TOKEN: has whitespace at its start or end, which no client can send (HTTP trims it from the Authorization header, so every request would be refused): remove it",
        );
      },
    );

    it.each(["s3\u0000cret", "s3\rcret", "s3\u007fcret", "s3€cret"])(
      "refuses AURORA_API_TOKEN=%j, which an Authorization header cannot carry",
      (token) => {
        expect(problemOf({ AURORA_API_TOKEN: token }).message).toBe(
          "invalid configuration: AURORA_API_TOKEN: holds a control character or a character past U+00FF, which an Authorization header cannot carry (every request would be refused): use printable ASCII, e.g. the output of openssl rand -hex 32",
        );
      },
    );

    it.each(["1e308", "-1e17", "10000000000000002", "0x10", "0b11", "Infinity", "1_000", "1e", "--1"])(
      "refuses AURORA_DEFAULT_REWARD=%j, naming the variable rather than the engine option",
      (text) => {
        expect(problemOf({ AURORA_DEFAULT_REWARD: text }).message).toBe(
          `invalid configuration: AURORA_DEFAULT_REWARD: must be a decimal number within ±1e16 (reward learned when no feedback arrives in time); got "${text}"`,
        );
      },
    );

    it.each([" ", "\t \n"])("refuses MODEL_PATH=%j, blank", (text) => {
      expect(problemOf({ MODEL_PATH: text }).message).toBe(
        "invalid configuration: MODEL_PATH: must be the path of the model file, e.g. /data/aurora-model.json; got only whitespace",
      );
    });

    it.each([
      ["ucb1", '{"policy":{"kind":"thompson"}}'],
      ['{"kind":"q-learning","epsilon":0.2}', '{"policy":{"kind":"nope","zz":1},"minSamples":50}'],
    ])("refuses AURORA_POLICY=%s with AURORA_GUARDRAIL=%s, whose own policy would be ignored", (policy, guardrail) => {
      const error = problemOf({ AURORA_POLICY: policy, AURORA_GUARDRAIL: guardrail });
      expect(error.variable).toBe("AURORA_POLICY");
      expect(error.message).toBe(
        'invalid configuration: AURORA_POLICY: is set while AURORA_GUARDRAIL names a policy of its own (its "policy" field): say the guarded policy once, in AURORA_POLICY or in AURORA_GUARDRAIL, not both',
      );
    });

    it("reads AURORA_EVENT_RETENTION_DAYS with DATABASE_URL, and refuses it without", () => {
      expect(parseConfig({ DATABASE_URL: "postgres://db/aurora", AURORA_EVENT_RETENTION_DAYS: "30" }).eventRetentionMs).toBe(
        30 * 86_400_000,
      );
      expect(parseConfig({ DATABASE_URL: "postgres://db/aurora" }).eventRetentionMs).toBeUndefined();
      const error = problemOf({ AURORA_EVENT_RETENTION_DAYS: "30" });
      expect(error.variable).toBe("AURORA_EVENT_RETENTION_DAYS");
      expect(error.message).toMatch(/applies to PostgreSQL \(DATABASE_URL\), which is not set/);
      expect(problemOf({ DATABASE_URL: "postgres://db/aurora", AURORA_EVENT_RETENTION_DAYS: "0" }).variable).toBe(
        "AURORA_EVENT_RETENTION_DAYS",
      );
    });

    it("takes AURORA_AUDIT_MAX_AGE_DAYS with DATABASE_URL as the PostgreSQL store's auditRetentionMs", () => {
      const config = parseConfig({ DATABASE_URL: "postgres://db/aurora", AURORA_AUDIT_MAX_AGE_DAYS: "30" });
      expect(config).toMatchObject({ databaseAuditRetentionMs: 30 * 86_400_000, auditRetention: undefined });
    });

    it("takes AURORA_AUDIT_MAX_BYTES alone, as the engine's auditRetention", () => {
      expect(parseConfig({ MODEL_PATH: "/m.json", AURORA_AUDIT_MAX_BYTES: "1000" }).auditRetention).toEqual({ maxBytes: 1000 });
      expect(parseConfig({ MODEL_PATH: "/m.json" }).auditRetention).toBeUndefined();
    });

    it.each([
      [
        { AURORA_AUDIT_MAX_AGE_DAYS: "0", MODEL_PATH: "/m.json" },
        "AURORA_AUDIT_MAX_AGE_DAYS",
        /must be a whole number from 1 to 36500/,
      ],
      [{ AURORA_AUDIT_MAX_BYTES: "1.5", MODEL_PATH: "/m.json" }, "AURORA_AUDIT_MAX_BYTES", /must be a whole number from 1/],
      [
        { AURORA_AUDIT_MAX_BYTES: "1000" },
        "AURORA_AUDIT_MAX_BYTES",
        /^invalid configuration: AURORA_AUDIT_MAX_BYTES: applies to the model file's audit trail \(MODEL_PATH\), which is not set \(nothing is written\)$/,
      ],
      [
        { AURORA_AUDIT_MAX_AGE_DAYS: "9" },
        "AURORA_AUDIT_MAX_AGE_DAYS",
        /^invalid configuration: AURORA_AUDIT_MAX_AGE_DAYS: applies to the audit trail on disk \(MODEL_PATH or DATABASE_URL\), and neither is set \(nothing is written\)$/,
      ],
      [
        { AURORA_AUDIT_MAX_BYTES: "1000", DATABASE_URL: "postgres://db/aurora" },
        "AURORA_AUDIT_MAX_BYTES",
        /not to PostgreSQL \(DATABASE_URL\): use AURORA_AUDIT_MAX_AGE_DAYS there/,
      ],
    ])("refuses audit retention %j", (env, variable, message) => {
      const error = problemOf(env);
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(message);
    });

    it("refuses MODEL_PATH with DATABASE_URL, which would leave the model file unused", () => {
      const error = problemOf({ MODEL_PATH: "/m.json", DATABASE_URL: "postgres://db/aurora" });
      expect(error.variable).toBe("MODEL_PATH");
      expect(error.message).toBe(
        "invalid configuration: MODEL_PATH: is set along with DATABASE_URL, which keeps the model in PostgreSQL instead (the file would never be read or written): unset one of them",
      );
    });

    it.each([
      [
        { AURORA_MIN_COMPACT_BYTES: "0", DATABASE_URL: "postgres://db/aurora" },
        "invalid configuration: AURORA_MIN_COMPACT_BYTES: applies to the model file's journal (MODEL_PATH), not to PostgreSQL (DATABASE_URL), which has no journal to compact: unset it",
      ],
      [
        { AURORA_MIN_COMPACT_BYTES: "0" },
        "invalid configuration: AURORA_MIN_COMPACT_BYTES: applies to the model file's journal (MODEL_PATH), which is not set (nothing is written)",
      ],
    ])("refuses AURORA_MIN_COMPACT_BYTES without a model file: %j", (env, message) => {
      const error = problemOf(env);
      expect(error.variable).toBe("AURORA_MIN_COMPACT_BYTES");
      expect(error.message).toBe(message);
    });

    it("refuses an empty AURORA_API_TOKEN, so a blank secret never turns authentication off", () => {
      expect(problemOf({ AURORA_API_TOKEN: "" }).variable).toBe("AURORA_API_TOKEN");
    });

    it("lists every bad variable at once", () => {
      const error = problemOf({ PORT: "x", AUTO_SAVE: "perhaps" });
      expect(error.problems.map((p) => p.variable)).toEqual(["PORT", "AUTO_SAVE"]);
      expect(error.message).toMatch(/^invalid configuration \(2 problems\):\n {2}PORT: .*\n {2}AUTO_SAVE: /);
    });

    it("names the problems of AURORA_POLICY and AURORA_GUARDRAIL at once, then how deep the two nest", () => {
      const both = problemOf({ AURORA_POLICY: '{"kind":"ucb1","exploration":-1}', AURORA_GUARDRAIL: '{"z":0,"minSamples":-1}' });
      expect(both.problems.map((p) => [p.variable, p.message.split(":")[0]])).toEqual([
        ["AURORA_POLICY", "exploration"],
        ["AURORA_GUARDRAIL", "z"],
        ["AURORA_GUARDRAIL", "minSamples"],
      ]);
      // Each fine alone, four deep in AURORA_POLICY and one more for the guardrail: named together.
      const shadow =
        '{"kind":"shadow","primary":{"kind":"shadow","primary":{"kind":"shadow","primary":{"kind":"ucb1"},"shadow":{"kind":"rule"}},"shadow":{"kind":"rule"}},"shadow":{"kind":"rule"}}';
      expect(parseConfig({ AURORA_POLICY: shadow }).policy).toMatchObject({ kind: "shadow" });
      expect(problemOf({ AURORA_POLICY: shadow, AURORA_GUARDRAIL: "on" }).message).toMatch(
        /^invalid configuration: AURORA_POLICY: primary\.primary\.primary: nests policies 5 deep/,
      );
    });

    it("names a policy the registry refuses along with every other bad variable, before the engine starts", () => {
      const error = problemOf({ PORT: "70000", SAVE_EVERY: "0", AURORA_POLICY: "nosuch" });
      expect(error.problems.map((p) => p.variable)).toEqual(["PORT", "SAVE_EVERY", "AURORA_POLICY"]);
      const kinds = policyKinds.map((kind) => JSON.stringify(kind)).join(", ");
      expect(error.problems[2]?.message).toBe(`kind: must be one of ${kinds}, got "nosuch"`);
    });

    it("refuses a policy whose own rewardWeights differ from AURORA_REWARD_WEIGHTS (the SPEC's when unset), naming each weight", () => {
      const own = '{"kind":"ucb1","rewardWeights":{"cost":2}}';
      expect(problemOf({ AURORA_POLICY: own }).message).toBe(
        "invalid configuration: AURORA_POLICY: rewardWeights.cost: is 2, but the reward is computed with 1 (the engine's rewardWeights): a policy must learn the reward the engine computes; leave rewardWeights out of the policy, it gets the engine's",
      );
      const guarded = problemOf({ AURORA_GUARDRAIL: '{"baseline":{"kind":"softmax","rewardWeights":{"failure_reward":-5}}}' });
      expect(guarded.variable).toBe("AURORA_GUARDRAIL");
      expect(guarded.message).toMatch(
        /^invalid configuration: AURORA_GUARDRAIL: baseline\.rewardWeights\.failure_reward: is -5, but the reward is computed with -20 /,
      );
      // The same weights as the reward's: accepted.
      expect(parseConfig({ AURORA_POLICY: own, AURORA_REWARD_WEIGHTS: '{"cost":2}' }).policy).toEqual({
        kind: "ucb1",
        rewardWeights: { cost: 2 },
      });
      // A refused AURORA_REWARD_WEIGHTS is named alone: the policy's weights are not checked against a guess.
      const refused = problemOf({ AURORA_POLICY: own, AURORA_REWARD_WEIGHTS: '{"cost":-2}' });
      expect(refused.problems.map((p) => p.variable)).toEqual(["AURORA_REWARD_WEIGHTS"]);
    });

    it.each([
      [{ AURORA_POLICY: '{"kind":"q-learning","epsilon":5}' }, "AURORA_POLICY: epsilon: must be a number from 0 to 1"],
      [
        { AURORA_POLICY: '{"kind":"q-learning","epsilon":5}', AURORA_GUARDRAIL: "on" },
        "AURORA_POLICY: epsilon: must be a number from 0 to 1",
      ],
      [{ AURORA_GUARDRAIL: "nope" }, "AURORA_GUARDRAIL: baseline.kind: must be one of "],
      [{ AURORA_GUARDRAIL: '{"z":-1}' }, "AURORA_GUARDRAIL: z: must be a number greater than 0"],
      // Spread into the guardrail's config, it started the rule router (or ucb1) unguarded.
      [{ AURORA_GUARDRAIL: '{"kind":"rule"}' }, "AURORA_GUARDRAIL: kind: is not a guardrail setting"],
      [
        { AURORA_POLICY: '{"kind":"guardrail","policy":{"kind":"ucb1"}}', AURORA_GUARDRAIL: "on" },
        "AURORA_POLICY: is a guardrail while AURORA_GUARDRAIL is set too",
      ],
      [{ AURORA_POLICY: "ucb1", AURORA_GUARDRAIL: '{"kind":"ucb1"}' }, "AURORA_GUARDRAIL: kind: is not a guardrail setting"],
      [{ AURORA_GUARDRAIL: '{"policy":{"kind":"ucb1","c":-1}}' }, "AURORA_GUARDRAIL: policy.c: "],
      [{ AURORA_GUARDRAIL: '{"minSample":5}' }, "AURORA_GUARDRAIL: minSample: "],
    ])("refuses %j as the engine's policy registry would, naming the variable", (env, message) => {
      const error = problemOf({ ...env, PORT: "x" });
      expect(error.problems.map((p) => p.variable)).toEqual(["PORT", message.split(":")[0]]);
      expect(error.message).toContain(`\n  ${message}`);
    });

    it("takes every policy kind the registry knows by name, with and without the guardrail", () => {
      for (const kind of policyKinds.filter((k) => !["ab", "shadow", "guardrail"].includes(k))) {
        expect(parseConfig({ AURORA_POLICY: kind }).policy).toEqual({ kind });
        expect(parseConfig({ AURORA_POLICY: kind, AURORA_GUARDRAIL: "rule" }).policy).toEqual({ kind });
      }
    });

    it("names the cross-variable problems together, once each variable is valid on its own", () => {
      const error = problemOf({
        MODEL_PATH: "/m.json",
        DATABASE_URL: "postgres://db/aurora",
        AURORA_DECISION_LOG: "/m.json",
        AURORA_POLICY: "ucb1",
        AURORA_GUARDRAIL: '{"policy":{"kind":"thompson"}}',
      });
      expect(error.problems.map((p) => p.variable)).toEqual(["AURORA_POLICY", "MODEL_PATH", "AURORA_DECISION_LOG"]);
    });

    it("quotes at most 80 characters of a bad value", () => {
      const error = problemOf({ PORT: "9".repeat(200) });
      expect(error.message).toContain(`got "${"9".repeat(80)}…"`);
    });
  });
});
