// What the extension adds to the engine's annotations store (engine/annotations/store.ts: reading,
// and saving by merge under a lock with an atomic rename, shared with the CLI so both take the same
// lock): a cheap "has the file changed" stamp, so editors and views re-read only when it did.
import { statSync } from 'node:fs';

/** Changes when the file is written (size, mtime, inode); 'none' when absent. */
export function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return 'none';
  }
}
