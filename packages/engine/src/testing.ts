export type { StoreHarness } from "./store-contract.js";
export { describeEngineStoreContract } from "./store-contract.js";
