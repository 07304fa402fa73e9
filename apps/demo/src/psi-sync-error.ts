/** The engine could not read the Ψ-Field stand-in's current value, so the run would not be reproducible. */
export class PsiSyncError extends Error {
  readonly url: string;

  constructor(url: string, detail: string, options?: { cause?: unknown }) {
    super(
      `the Ψ-Field stand-in at ${url} did not give the engine its current value (${detail}): ` +
        "check that nothing blocks local connections, or run without --psi",
      options,
    );
    this.name = "PsiSyncError";
    this.url = url;
  }
}
