import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; where a directory cannot be opened (Windows) there is nothing to do.
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    /* not supported here */
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * Replaces `path` atomically with the concatenated `chunks`: they go to a temporary file in
 * the same folder (`.<name>.<pid>.<random>.tmp`), which is fsync'd and renamed over the
 * target, then the folder is fsync'd. A crash leaves the old file or the new one, never a
 * torn mix; on failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string>): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      for (const chunk of chunks) await writeAll(handle, chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}
