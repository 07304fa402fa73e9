/**
 * Formats epoch milliseconds as ISO 8601 text, as `new Date(ms).toISOString()` does, but cheaply:
 * `toISOString` costs about half a microsecond, so the text of the last millisecond is reused and,
 * within the same second, only the milliseconds are rewritten.
 */
export class IsoTimestamps {
  #lastMs = Number.NaN;
  #lastIso = "";
  #secondStart = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:SS.` of the second starting at `#secondStart`. */
  #secondPrefix = "";

  format(epochMs: number): string {
    const ms = Math.trunc(epochMs); // as the Date constructor does
    if (ms === this.#lastMs) return this.#lastIso;
    const millis = ms - this.#secondStart;
    let iso: string;
    if (millis >= 0 && millis < 1000) {
      iso = `${this.#secondPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
    } else {
      iso = new Date(ms).toISOString();
      // Only the plain four-digit-year form (24 characters) has a fixed layout to reuse.
      if (iso.length === 24) {
        this.#secondStart = ms - (((ms % 1000) + 1000) % 1000);
        this.#secondPrefix = iso.slice(0, 20);
      }
    }
    this.#lastMs = ms;
    this.#lastIso = iso;
    return iso;
  }
}
