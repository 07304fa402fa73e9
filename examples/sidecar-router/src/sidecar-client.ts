/** The wire records of POST /decide and POST /feedback: the engine's snake_case JSON, unchanged. */
export interface Provider {
  provider_id: string;
  price_usd_per_hour: number;
  latency_ms: number;
  reputation: number;
  capacity_available?: number;
  gpu_types?: string[];
  regions?: string[];
}

export interface DecideBody {
  context: { workload_type: string; gpu_type: string; region: string; gpu_hours?: number };
  providers: Provider[];
  constraints?: { max_price?: number; max_latency_ms?: number; min_reputation?: number; region?: string; gpu_type?: string };
  psi_metrics?: { density: number; coherence?: number; entropy?: number };
}

export interface DecideAnswer {
  provider_id: string | null;
  metadata: {
    decision_id: string;
    mode: string;
    q_value: number | null;
    epsilon: number;
    state_key: string;
    validated: boolean;
    violations: string[];
    reason?: string;
  };
}

export interface FeedbackBody {
  decision_id: string;
  success: boolean;
  actual_cost_usd: number;
  actual_latency_ms: number;
  actual_reputation?: number;
  error_reason?: string;
}

/** A non-2xx answer from the sidecar, with its stable `error` code and its message. */
export class SidecarError extends Error {
  override readonly name = "SidecarError";
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; field?: string },
    route: string,
  ) {
    super(`${route} answered ${status} ${body.error ?? ""}: ${body.message ?? JSON.stringify(body)}`);
  }
}

/** A small client of the sidecar's HTTP API; pass `token` when the sidecar has AURORA_API_TOKEN set. */
export function createSidecarClient(baseUrl: string, token?: string) {
  async function call<T>(method: "GET" | "POST", route: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(route, baseUrl), {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as T;
    if (!response.ok) throw new SidecarError(response.status, answer as SidecarError["body"], route);
    return answer;
  }
  return {
    decide: (body: DecideBody) => call<DecideAnswer>("POST", "/decide", body),
    feedback: (body: FeedbackBody) => call<{ decision_id: string; reward: number }>("POST", "/feedback", body),
    status: () => call<{ strategist: { epsilon: number; decision_count: number; total_rewards: number } }>("GET", "/status"),
  };
}

export type SidecarClient = ReturnType<typeof createSidecarClient>;
