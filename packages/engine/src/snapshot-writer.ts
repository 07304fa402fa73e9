import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { hasJsonPieces, JSON_PIECES } from "@aurora/domain";

/** Characters per written piece: big enough to amortize a write, small enough not to hold up the event loop. */
const PIECE_CHARS = 1 << 20;
/** Objects and arrays with more members than this are written a member at a time. */
const STREAM_ABOVE = 256;
/** How many levels into a value printed whole `holdsPieces` looks for a part that writes its own pieces. */
const PIECES_SEARCH_DEPTH = 4;

/** True when `value` (an object or array) holds, within `levels` levels, a value that writes its own pieces. */
function holdsPieces(value: object, levels: number): boolean {
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  const check = (member: unknown) =>
    hasJsonPieces(member) || (levels > 1 && typeof member === "object" && member !== null && holdsPieces(member, levels - 1));
  if (Array.isArray(value)) {
    for (const item of value) if (check(item)) return true;
    return false;
  }
  for (const key in value) if (Object.hasOwn(value, key) && check((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** A snapshot written to a temporary file beside its target, fsync'd, with the SHA-256 of its bytes. */
export interface WrittenSnapshot {
  temp: string;
  sha256: string;
  bytes: number;
}

/**
 * A fresh private name beside `path` (`.<name>.<pid>.<random>.tmp`): a snapshot being written, or the
 * current one kept under a second name while the next is put in place. The file store removes
 * those a process that is gone left behind.
 */
export function snapshotTempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * The JSON text of `value` in pieces of about {@link PIECE_CHARS} characters. Large objects and
 * arrays (the pending decisions) are serialized one member at a time, and a value that writes its
 * own pieces (`JSON_PIECES`, a Q-table's copy) does so, so no single `JSON.stringify` call — and
 * no single string — grows with the model.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  let buffer = "";
  for (const part of parts(value, 0)) {
    buffer += part;
    if (buffer.length >= PIECE_CHARS) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer.length > 0) yield buffer;
}

/**
 * `value`'s JSON in parts. Values below the top level that are small (at most {@link STREAM_ABOVE}
 * members) or deep (below depth 2) are printed whole, unless something inside them writes its own
 * pieces (a composite policy's inner copy, for which `JSON.stringify` would build that copy's
 * `toJSON()` at once). That is looked for only where it can be: in the top level's members and
 * inside values streamed because they hold such a part, never in the members of a large value
 * streamed for its size (each of 30,000 pending decisions searched made a snapshot twice as slow).
 */
function* parts(value: unknown, depth: number, search = true): Generator<string> {
  if (hasJsonPieces(value)) {
    yield* value[JSON_PIECES]();
    return;
  }
  if (value === null || typeof value !== "object" || typeof (value as { toJSON?: unknown }).toJSON === "function") {
    yield JSON.stringify(value) ?? "null";
    return;
  }
  const isArray = Array.isArray(value);
  let large: boolean;
  if (isArray) large = value.length > STREAM_ABOVE;
  else {
    let count = 0;
    for (const key in value) if (Object.hasOwn(value, key) && ++count > STREAM_ABOVE) break;
    large = count > STREAM_ABOVE;
  }
  const whole = depth > 2 || (depth > 0 && !large);
  if (whole && !(search && holdsPieces(value, PIECES_SEARCH_DEPTH))) {
    yield JSON.stringify(value);
    return;
  }
  // Streamed because something inside writes pieces (or the top level): look again one level down.
  const searchMembers = whole || depth === 0;
  if (isArray) {
    yield "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ",";
      yield* parts(value[i] === undefined ? null : value[i], depth + 1, searchMembers);
    }
    yield "]";
    return;
  }
  const record = value as Record<string, unknown>;
  yield "{";
  let first = true;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const member = record[key];
    if (member === undefined || typeof member === "function") continue;
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    yield* parts(member, depth + 1, searchMembers);
  }
  yield "}";
}

/**
 * Writes `value` as JSON to a temporary file beside `path`, a piece at a time, yielding to the
 * event loop between pieces so decisions keep flowing while a large model is written; fsyncs it
 * and returns where it is and what it hashes to. The caller renames it into place.
 */
export async function writeSnapshotTemp(path: string, value: unknown): Promise<WrittenSnapshot> {
  const temp = snapshotTempPath(path);
  const hash = createHash("sha256");
  let bytes = 0;
  const handle = await open(temp, "wx", 0o644);
  try {
    for (const piece of jsonPieces(value)) {
      const buffer = Buffer.from(piece, "utf8");
      hash.update(buffer);
      bytes += buffer.length;
      let offset = 0;
      while (offset < buffer.length) offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    rmSync(temp, { force: true });
    throw error;
  }
  await handle.close();
  return { temp, sha256: hash.digest("hex"), bytes };
}

/** The synchronous twin of {@link writeSnapshotTemp}, for exit handlers. */
export function writeSnapshotTempSync(path: string, value: unknown): WrittenSnapshot {
  const temp = snapshotTempPath(path);
  const hash = createHash("sha256");
  let bytes = 0;
  const fd = openSync(temp, "wx", 0o644);
  try {
    for (const piece of jsonPieces(value)) {
      const buffer = Buffer.from(piece, "utf8");
      hash.update(buffer);
      bytes += buffer.length;
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  return { temp, sha256: hash.digest("hex"), bytes };
}
