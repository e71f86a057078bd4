import { onTestFinished } from 'vitest';

/** Releases registered outside a test, run at the end of the file (setup.ts), newest first. */
const fileCleanups: Array<() => unknown> = [];

/**
 * Runs `release` when what it frees is no longer needed: after the test that created it when
 * called inside a test, else at the end of the file, whether it was called while the file's
 * suites were collected or in a beforeAll (where vitest would not run an afterAll registered).
 */
export function cleanUp(release: () => unknown): void {
  try {
    onTestFinished(async () => {
      await release();
    });
  } catch {
    // Not inside a test: onTestFinished refuses.
    fileCleanups.push(release);
  }
}

/** Runs the file's releases, newest first (a server closes before its database is dropped); one failing does not stop the others. */
export async function runFileCleanups(): Promise<void> {
  const errors: unknown[] = [];
  for (const release of fileCleanups.splice(0).reverse()) {
    try {
      await release();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} test resources could not be released`);
}
