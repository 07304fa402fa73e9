import { DecisionLogError } from "./errors.js";

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * The lines of a byte stream (split at `\n`, without it; a `\r` before it is left for the caller
 * to trim), decoded as UTF-8, blank ones included so callers can number them. A line longer than
 * `maxBytes` throws `DecisionLogError` naming `source` and its number as soon as its first
 * `maxBytes + 1` bytes have arrived: at most about `maxBytes` plus one chunk is held, where
 * `readline` gathers a line of any length and fails past V8's ~512 MiB string limit with a
 * `RangeError` thrown outside its iterator (a crash, not a rejection).
 */
export async function* boundedLines(chunks: AsyncIterable<Buffer>, maxBytes: number, source: string): AsyncGenerator<string> {
  // The unfinished line's pieces, from earlier chunks: a line may span several.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 1;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      const bytes = pendingBytes + end - start;
      // A CRLF line's \r is not part of the record (it is trimmed): one byte more is allowed for it.
      const crlf = (end > start ? chunk[end - 1] : pending.at(-1)?.at(-1)) === RETURN;
      if (bytes > maxBytes + (crlf ? 1 : 0)) throw tooLong(source, lineNumber, maxBytes);
      yield pendingBytes === 0
        ? chunk.toString("utf8", start, end)
        : Buffer.concat([...pending, chunk.subarray(start, end)]).toString("utf8");
      pending = [];
      pendingBytes = 0;
      lineNumber++;
      start = end + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxBytes + (chunk[chunk.length - 1] === RETURN ? 1 : 0)) throw tooLong(source, lineNumber, maxBytes);
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending).toString("utf8");
}

function tooLong(source: string, lineNumber: number, maxBytes: number): DecisionLogError {
  return new DecisionLogError(
    source,
    lineNumber,
    "(line)",
    `is longer than ${maxBytes.toLocaleString("en-US")} bytes, the most one decision record may take ` +
      "(is the file a decision log? raise maxLineBytes, --max-line-bytes in aurora-ope, for a record that is really this long)",
  );
}
