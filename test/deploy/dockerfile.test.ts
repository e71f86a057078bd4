import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES } from '../../server/config';
import { testDatabase } from '../support/database';
import { parseDockerfile } from '../support/dockerfile';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };
/** The Node major versions that are LTS lines today (20 reached its end of life on 2026-04-30). */
const CURRENT_LTS = [22, 24];

const majorOf = (image: string) => Number(/^node:(\d+)/.exec(image)?.[1]);

/** Whether `version` satisfies an engines range written as ">=X.Y[.Z]" (what package.json uses). */
function satisfies(range: string, version: [number, number]): boolean {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(range.trim());
  if (!match) throw new Error(`engines.node "${range}" is not in the >=X.Y form this test reads`);
  const [major, minor] = [Number(match[1]), Number(match[2] ?? 0)];
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

describe('Dockerfile', () => {
  it('builds and runs on a current Node LTS, the compiled server with node, as a non-root user', () => {
    for (const base of dockerfile.bases) expect(CURRENT_LTS, base).toContain(majorOf(base));
    expect(dockerfile.cmd).toEqual(['node', 'dist/server/main.js']);
    expect(dockerfile.user).toBeDefined();
    expect(['root', '0']).not.toContain(dockerfile.user!.split(':')[0]);
  });

  it("says in engines a range that the image's Node satisfies (x.0 of its major line and later)", () => {
    expect(satisfies(manifest.engines.node, [majorOf(dockerfile.base), 0])).toBe(true);
  });

  it('installs production dependencies only, and no TypeScript loader is one of them', () => {
    expect(dockerfile.runs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
    for (const tool of ['tsx', 'typescript', 'ts-node', 'vitest']) expect(Object.keys(manifest.dependencies), tool).not.toContain(tool);
  });

  it('sets only environment variables Berth or its tools read, and exposes the port it defaults to', () => {
    for (const name of Object.keys(dockerfile.env)) expect([...ENVIRONMENT_VARIABLES, 'NODE_ENV', 'NEXT_TELEMETRY_DISABLED'], name).toContain(name);
    expect(dockerfile.expose).toContain(Number(dockerfile.env.PORT));
    expect(dockerfile.env.HOST).toBe('0.0.0.0');
  });
});

/** Next's types make NODE_ENV a required key of ProcessEnv; the image's ENV (spread in) sets it. */
const asProcessEnv = (environment: Record<string, string>) => environment as unknown as NodeJS.ProcessEnv;

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * What can be checked of the image without a Docker engine: the build stage's `npm run build`,
 * then the runtime stage's CMD and HEALTHCHECK run as written, with the image's environment.
 */
describe("the image's command on what `npm run build` compiled", async () => {
  const database = await testDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-dist-'));
  const port = await freePort();
  let output = '';
  let child: ReturnType<typeof spawn> | undefined;
  const exited = { code: undefined as number | null | undefined };
  const { DATABASE_URL: _a, TEST_DATABASE_URL: _b, NODE_OPTIONS: _c, ...inherited } = process.env;
  const environment: Record<string, string> = {
    PATH: inherited.PATH!,
    HOME: inherited.HOME ?? os.tmpdir(),
    ...dockerfile.env,
    BERTH_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: database.url,
    BERTH_SECRET: 's'.repeat(48),
    BERTH_ADMIN_EMAIL: 'admin@example.com',
    BERTH_ADMIN_PASSWORD: 'a long enough password',
    // The console build is another stage's job (and its own test's).
    BERTH_CONSOLE: 'off',
    BERTH_DEMO: 'off',
  };

  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    const started = spawn(dockerfile.cmd![0]!, dockerfile.cmd!.slice(1), { cwd: ROOT, env: asProcessEnv(environment), stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout!.on('data', (chunk) => (output += chunk));
    started.stderr!.on('data', (chunk) => (output += chunk));
    started.on('exit', (code) => (exited.code = code));
    child = started;
  }, 180_000);
  afterAll(async () => {
    if (child && exited.code === undefined) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('compiles nothing that loads TypeScript at run time', () => {
    const files = readdirSync(path.join(ROOT, 'dist/server'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.m?js$/.test(f));
    expect(files).toContain('main.js');
    for (const file of files) expect(readFileSync(path.join(ROOT, 'dist/server', file), 'utf8'), file).not.toMatch(/from ['"](tsx|typescript)[/'"]/);
  });

  it('starts, becomes ready on a real database and logs JSON lines (NODE_ENV=production)', async () => {
    const ready = await waitFor(
      '/readyz to answer 200',
      async () => {
        if (exited.code !== undefined) throw new Error(`the server exited with ${exited.code}:\n${output}`);
        const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return response?.status === 200 ? ((await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }) : undefined;
      },
      { timeoutMs: 90_000, everyMs: 200 },
    );
    expect(ready.checks.artifacts).toMatchObject({ ok: true, detail: expect.stringContaining(dataDir) });
    const logLines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("passes the image's HEALTHCHECK command", () => {
    const [command, ...args] = dockerfile.healthcheck!;
    const check = spawnSync(command!, args, { env: asProcessEnv(environment), encoding: 'utf8', timeout: 10_000 });
    expect(check.status, check.stderr).toBe(0);
  });

  it('stops cleanly on SIGTERM, as a container runtime stops it', async () => {
    child!.kill('SIGTERM');
    await waitFor('the server to exit', () => exited.code !== undefined, { timeoutMs: 30_000 });
    expect(exited.code).toBe(0);
    expect(output).toContain('Berth stopped.');
  });
});
