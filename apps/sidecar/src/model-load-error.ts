import { reasonOf } from "./error-reason.js";

/** Where the engine's stored model lives, named by the variable that points at it. */
export type ModelSource = { variable: "MODEL_PATH"; path: string } | { variable: "DATABASE_URL"; schema: string };

/** The stored model, as a message names it: `the model /data/model.json`, `the model in PostgreSQL (schema "aurora")`. */
function describeModel(source: ModelSource): string {
  return source.variable === "MODEL_PATH" ? `the model ${source.path}` : `the model in PostgreSQL (schema "${source.schema}")`;
}

/**
 * The stored model could not be loaded at start: a file that is not a model, or of another
 * version, a damaged journal, a model another process holds. The message starts with the
 * variable that points at it and says where it is (the engine's own message is quoted once
 * when it already names the file); the engine's error is kept as `cause`.
 */
export class ModelLoadError extends Error {
  readonly variable: ModelSource["variable"];

  constructor(source: ModelSource, cause: unknown) {
    const reason = reasonOf(cause);
    const namesFile = source.variable === "MODEL_PATH" && reason.includes(source.path);
    super(`${source.variable}: ${namesFile ? reason : `cannot load ${describeModel(source)}: ${reason}`}`, { cause });
    this.name = "ModelLoadError";
    this.variable = source.variable;
  }
}
