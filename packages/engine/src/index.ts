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
export {
  AuroraError,
  createRng,
  DuplicateFeedbackError,
  LateFeedbackError,
  ManualClock,
  UnknownDecisionError,
  ValidationError,
} from "@aurora/domain";
/** How long a decision waits for its feedback when `rewardWaitMs` is not given (48 h). */
export { DEFAULT_REWARD_WAIT_MS } from "@aurora/executor";
export type { ChainedAuditRecord } from "./audit-chain.js";
export { AuditChain, verifyAuditChain } from "./audit-chain.js";
export type { CandidateExplanation, CandidateStatus, DecisionView } from "./decision-archive.js";
export type { DecisionLogStats, DecisionLogWriterOptions } from "./decision-log-writer.js";
export { DecisionLogWriteError, DecisionLogWriter } from "./decision-log-writer.js";
export { EngineClosedError } from "./engine-closed-error.js";
export type { RoutingEngineOptions } from "./engine-options.js";
export { engineOptionsSchema, rewardWeightsSchema } from "./engine-options.js";
export type { AuditRecord, EngineStore, FoundDecision, FsyncPolicy, Receipt, Recovered, StoreStatus } from "./engine-store.js";
export type { StoredEvent } from "./event-codec.js";
export { decodeEvent, encodeEvent } from "./event-codec.js";
export { ModelLockedError } from "./file-lock.js";
export type { FileStoreOptions } from "./file-store.js";
export { DEFAULT_AUDIT_SEGMENT_BYTES, FileStore, fileStorePaths } from "./file-store.js";
export type { ChainBreak } from "./hash-chain.js";
export { canonicalJson, GENESIS_HASH, sha256Hex } from "./hash-chain.js";
export { JournalCorruptError, JournalDeletedError } from "./journal.js";
export { MemoryStore } from "./memory-store.js";
export { ModelFileError, writeFileAtomic } from "./model-file.js";
export { makeReceipt, receiptHash, verifyReceiptChain } from "./receipt.js";
export type {
  Alternative,
  DecideResult,
  DecisionMetadata,
  DecisionModeOrNone,
  EngineEvent,
  EngineStatus,
} from "./routing-engine.js";
export { RoutingEngine } from "./routing-engine.js";
export { jsonPieces } from "./snapshot-writer.js";
export { FeedbackNotDurableError, SnapshotDeclinedError } from "./store-errors.js";
export { AsyncStoreError } from "./store-for-options.js";
export type { VerifyReport } from "./verify-file-store.js";
export { NotAFileStoreError, verifyFileStore } from "./verify-file-store.js";
