import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm test` runs scripts/ensure-chromium.mjs first (the pretest script). */
const run = (env: Record<string, string>) => spawnSync(process.execPath, ['scripts/ensure-chromium.mjs'], { env: { ...process.env, ...env }, encoding: 'utf8' });

describe('npm test on a machine without Chromium', () => {
  it('stops before running anything, with one line naming the CHROMIUM_PATH to fix', () => {
    const result = run({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('CHROMIUM_PATH is /nonexistent/chromium');
  });

  it('goes on at once when the configured Chromium is there', () => {
    const result = run({ CHROMIUM_PATH: process.execPath });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});
