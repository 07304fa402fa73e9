import { AuroraError } from "@aurora/domain";

/** The engine was closed (shutting down); the sidecar answers 503 so a router retries elsewhere. */
export class EngineClosedError extends AuroraError {
  constructor() {
    super("ENGINE_CLOSED", "RoutingEngine is closed: create a new engine (or retry on another replica) to decide again");
  }
}
