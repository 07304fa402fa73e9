import { decideRequestSchema, outcomeSchema } from "@aurora/domain";
import { compileParser } from "./compile-parser.js";

/** `decide`'s request: `decideRequestSchema`, on its compiled fast path (zod explains failures). */
export const parseDecideRequest = compileParser(decideRequestSchema);

/** `feedback`'s outcome: `outcomeSchema`, on its compiled fast path (zod explains failures). */
export const parseOutcome = compileParser(outcomeSchema);

/** `decide`'s request without its candidates, for a request whose candidate list was validated before. */
export const parseDecideRequestRest = compileParser(decideRequestSchema.omit({ providers: true }));
