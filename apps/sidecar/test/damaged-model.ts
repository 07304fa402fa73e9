import { readFileSync, writeFileSync } from "node:fs";
import { RoutingEngine } from "@aurora/engine";
import { DECIDE_BODY } from "./fixtures.js";

/**
 * Writes a model at `modelPath` saved more than once (so `model.json.prev` holds a good earlier
 * version), then alters `model.json` so that it no longer matches its receipt: the file store
 * refuses it at the next start and starts from `model.json.prev`, logging a note.
 */
export async function writeDamagedModel(modelPath: string): Promise<void> {
  const engine = new RoutingEngine({ modelPath, seed: 1 });
  engine.decide(DECIDE_BODY);
  engine.saveSync();
  engine.decide(DECIDE_BODY);
  engine.saveSync();
  await engine.close();
  const text = readFileSync(modelPath, "utf8");
  const damaged = text.replace('"epsilon":0.1,', '"epsilon":0.2,');
  if (damaged === text) throw new Error(`writeDamagedModel: nothing to alter in ${modelPath}`);
  writeFileSync(modelPath, damaged);
}

/** The note the file store logs when it starts from `model.json.prev` instead of a damaged `model.json`. */
export const PREVIOUS_VERSION_NOTE =
  /^model file .+ does not match its receipt .+; moved it to .+\.corrupt-\d+ and started from the previous good version \(\d+\) in .+\.prev$/;
