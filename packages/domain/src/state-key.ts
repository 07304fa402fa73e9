import type { Context } from "./schemas.js";

/** The seed's state key: `workload_type:gpu_type:region`. */
export function stateKey(context: Pick<Context, "workload_type" | "gpu_type" | "region">): string {
  return `${context.workload_type}:${context.gpu_type}:${context.region}`;
}
