import { execFile } from 'node:child_process';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const BUILD_TIMEOUT = 5 * 60_000;
const LOCK = path.join(os.tmpdir(), `berth-console-build-${path.basename(process.cwd())}.lock`);

/**
 * Builds the console when its sources changed (scripts/build-console.mjs decides), one test
 * file at a time: files run in parallel, and two `next build`s in one folder break each other.
 */
export async function buildConsole(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than a build is left over from a killed run.
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > BUILD_TIMEOUT) await rmdir(LOCK).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`another test file has been building the console for too long (${LOCK})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    await promisify(execFile)(process.execPath, ['scripts/build-console.mjs'], { timeout: BUILD_TIMEOUT });
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
}
