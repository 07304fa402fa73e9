export { describeEngineStoreContract } from "./store-contract.js";
export type { StoreHarness } from "./store-contract.js";
