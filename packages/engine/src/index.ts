export { RoutingEngine } from "./routing-engine.js";
export { EngineClosedError } from "./engine-closed-error.js";
export type { Alternative, DecideResult, EngineEvent, DecisionMetadata, DecisionModeOrNone, EngineStatus } from "./routing-engine.js";
export type { CandidateExplanation, CandidateStatus, DecisionView } from "./decision-archive.js";
export { DecisionLogWriter, DecisionLogWriteError } from "./decision-log-writer.js";
export type { DecisionLogWriterOptions, DecisionLogStats } from "./decision-log-writer.js";
export { engineOptionsSchema } from "./engine-options.js";
export type { RoutingEngineOptions } from "./engine-options.js";
export { ModelFileError, writeFileAtomic } from "./model-file.js";
export type { EngineStore, Recovered, Receipt, StoreStatus, AuditRecord, FsyncPolicy } from "./engine-store.js";
export { FileStore, fileStorePaths } from "./file-store.js";
export type { FileStoreOptions } from "./file-store.js";
export { MemoryStore } from "./memory-store.js";
export { JournalCorruptError } from "./journal.js";
export { ModelLockedError } from "./file-lock.js";
export { FeedbackNotDurableError } from "./store-errors.js";
export { AsyncStoreError } from "./store-for-options.js";
export { encodeEvent, decodeEvent } from "./event-codec.js";
export type { StoredEvent } from "./event-codec.js";
export { makeReceipt, receiptHash, verifyReceiptChain } from "./receipt.js";
export { AuditChain, verifyAuditChain } from "./audit-chain.js";
export type { ChainedAuditRecord } from "./audit-chain.js";
export { GENESIS_HASH, canonicalJson, sha256Hex } from "./hash-chain.js";
export type { ChainBreak } from "./hash-chain.js";
export { jsonPieces } from "./snapshot-writer.js";
export { verifyFileStore } from "./verify-file-store.js";
export type { VerifyReport } from "./verify-file-store.js";
export {
  AuroraError,
  ValidationError,
  UnknownDecisionError,
  DuplicateFeedbackError,
  LateFeedbackError,
  createRng,
  ManualClock,
} from "@aurora/domain";
export type {
  Clock,
  Constraints,
  ConstraintsInput,
  Context,
  ContextInput,
  DecideRequestInput,
  Outcome,
  OutcomeInput,
  Provider,
  ProviderInput,
  PsiMetrics,
  Rng,
  ViolationType,
} from "@aurora/domain";
