import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm test` runs scripts/ensure-test-tools.mjs first (the pretest script). */
const run = (env: Record<string, string>) => spawnSync(process.execPath, ['scripts/ensure-test-tools.mjs'], { env: { ...process.env, ...env }, encoding: 'utf8' });

describe('npm test on a machine without the tools its tests drive', () => {
  it('stops before running anything, with one line naming the CHROMIUM_PATH to fix', () => {
    const result = run({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('CHROMIUM_PATH is /nonexistent/chromium');
  });

  it('stops with one line naming what to install when a tool is missing and may not be installed', () => {
    // A PATH with a shell and nothing else: promtool and kubectl are not found.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'berth-path-'));
    symlinkSync('/bin/sh', path.join(bin, 'sh'));
    const result = run({ CHROMIUM_PATH: process.execPath, PATH: bin, BERTH_TEST_TOOLS_INSTALL: 'off' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/need promtool, kubectl; install .*prometheus.*kubernetes-client/);
  });

  it('goes on at once, silently, when every tool is there', () => {
    const result = run({ CHROMIUM_PATH: process.execPath });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });
});
