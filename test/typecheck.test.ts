import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** vitest runs TypeScript without checking its types: the suite checks them, server and console alike. */
describe('types', () => {
  it.each(['tsconfig.json', 'console/tsconfig.json'])('%s type-checks', async (project) => {
    const result = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', project], { maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(result.stdout).toBe('');
  }, 180_000);
});
