import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes a file so that readers see either the old content or the whole new
 * content, never half of it: write a temp file beside it, fsync, then rename.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSynced(tmp, data);
  fs.renameSync(tmp, file);
}

/** Writes a file and waits until its content is on disk (for files renamed into place afterwards). */
export function writeFileSynced(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
