/** A bad command line: the message names the flag and says what it takes. The CLI exits with code 2. */
export class UsageError extends Error {
  /** The flag at fault, e.g. `--seed`; `null` for a stray argument. */
  readonly flag: string | null;

  constructor(flag: string | null, message: string, options?: { cause?: unknown }) {
    super(flag === null ? message : `${flag}: ${message}`, options);
    this.name = "UsageError";
    this.flag = flag;
  }
}
