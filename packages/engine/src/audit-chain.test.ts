import type { Anomaly, AuditEntry } from "@aurora/auditor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuditChain, type ChainedAuditRecord, canonicalLinkFields, verifyAuditChain } from "./audit-chain.js";
import type { AuditRecord } from "./engine-store.js";
import { canonicalJson, GENESIS_HASH, linkHash } from "./hash-chain.js";

const text = fc.string({ unit: "binary", maxLength: 40 });
const number = fc.oneof(fc.double(), fc.integer(), fc.constant(-0));

const entry: fc.Arbitrary<AuditRecord> = fc
  .record({
    timestamp: text,
    decision_id: text,
    state_key: text,
    provider_id: fc.option(text, { nil: null }),
    status: fc.constantFrom("approved", "flagged", "rejected"),
    violations: fc.array(text, { maxLength: 3 }),
    notes: fc.array(text, { maxLength: 3 }),
  })
  .map((e) => ({ kind: "entry", entry: e as AuditEntry }));

const anomaly: fc.Arbitrary<AuditRecord> = fc
  .record({
    timestamp: text,
    kind: fc.constantFrom("q_value_spike", "underperforming_provider"),
    decision_id: text,
    state_key: text,
    provider_id: text,
    note: text,
    value: number,
    threshold: number,
  })
  .map((a) => ({ kind: "anomaly", anomaly: a as Anomaly }));

const sampleEntry = (decisionId: string): AuditRecord => ({
  kind: "entry",
  entry: {
    timestamp: "2026-11-25T22:56:54.772Z",
    decision_id: decisionId,
    state_key: "llm_inference:a100:us-west",
    provider_id: "p0",
    status: "flagged",
    violations: ["price_exceeded"],
    notes: ["over budget"],
  },
});

describe("canonicalLinkFields", () => {
  it("writes audit entries and anomalies exactly as the general canonical JSON does", () => {
    fc.assert(
      fc.property(fc.nat(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.oneof(entry, anomaly), (seq, prev, record) => {
        expect(canonicalLinkFields(seq, prev, record)).toBe(canonicalJson({ seq, prev, record }));
      }),
      { numRuns: 1_000 },
    );
  });

  it("falls back to the general form for records of another shape, so their hash is unchanged too", () => {
    const { entry: base } = sampleEntry("d1") as { entry: AuditEntry };
    const sparse: string[] = [];
    sparse[1] = "sparse";
    const odd: unknown[] = [
      { kind: "entry", entry: { ...base, extra: 1 } },
      { kind: "entry", entry: { ...base, notes: undefined } },
      { kind: "entry", entry: { ...base, notes: ["ok", 3] } },
      { kind: "entry", entry: { ...base, violations: sparse } },
      { kind: "entry", entry: base, note: "outer extra" },
      { kind: "anomaly", anomaly: { ...base } },
      { kind: "other", entry: base },
    ];
    for (const record of odd) {
      expect(canonicalLinkFields(7, GENESIS_HASH, record as AuditRecord)).toBe(
        canonicalJson({ seq: 7, prev: GENESIS_HASH, record }),
      );
    }
  });
});

describe("AuditChain", () => {
  it("stores a link as JSON whose hash verifies, the same hash link() gives", () => {
    const byObject = new AuditChain();
    const byText = new AuditChain();
    const stored: ChainedAuditRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const record = sampleEntry(`d${i}`);
      const linked = byObject.link(record);
      const parsed = JSON.parse(byText.linkJson(record)) as ChainedAuditRecord;
      expect(parsed).toEqual(linked);
      expect(parsed.hash).toBe(linkHash({ seq: parsed.seq, prev: parsed.prev, record: parsed.record }));
      stored.push(parsed);
    }
    expect(verifyAuditChain(stored)).toBeNull();
    expect(byText.last).toEqual(byObject.last);
  });

  it("names the edited record when a stored link was altered", () => {
    const chain = new AuditChain();
    const stored = [0, 1, 2].map((i) => JSON.parse(chain.linkJson(sampleEntry(`d${i}`))) as ChainedAuditRecord);
    (stored[1]!.record as { entry: AuditEntry }).entry.status = "approved";
    expect(verifyAuditChain(stored)?.reason).toBe("audit record 2: its hash does not match its content (edited?)");
  });

  it("continues a chain from the last stored link", () => {
    const first = new AuditChain();
    const a = JSON.parse(first.linkJson(sampleEntry("a"))) as ChainedAuditRecord;
    const resumed = new AuditChain(first.last);
    const b = JSON.parse(resumed.linkJson(sampleEntry("b"))) as ChainedAuditRecord;
    expect(b).toMatchObject({ seq: 2, prev: a.hash });
    expect(verifyAuditChain([a, b])).toBeNull();
  });
});
