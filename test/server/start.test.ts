import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait';

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start` the way a newcomer does and waits for the banner. */
async function npmStart(env: Record<string, string>): Promise<Started> {
  const { DATABASE_URL: _ignored, TEST_DATABASE_URL: _alsoIgnored, ...inherited } = process.env;
  const child = spawn('npm', ['start'], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  // 'close' waits for every process holding the output pipes (the server under npm), not just npm.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await waitFor('npm start to say Berth is running', () => {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    return output.includes('Berth is running');
  }, { timeoutMs: 150_000, everyMs: 200 }).catch((error: Error) => {
    throw new Error(`npm start did not come up (${error.message}):\n${output}`);
  });
  return { child, output: () => output, exited };
}

/**
 * SIGTERM to the whole process group, as a terminal or a container runtime sends it; npm dies
 * of the signal, so what counts is that the server says it finished shutting down.
 */
async function stop(started: Started): Promise<string> {
  process.kill(-started.child.pid!, 'SIGTERM');
  await started.exited;
  return started.output();
}

describe('npm start on an empty data folder (embedded PostgreSQL)', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-start-'));
  // PostgreSQL runs as the `postgres` system user when we are root: it must reach the folder.
  await chmod(dataDir, 0o755);
  afterAll(() => rm(dataDir, { recursive: true, force: true }));
  const env = { BERTH_DATA_DIR: dataDir, PORT: String(await freePort()), BERTH_EMBEDDED_PG_PORT: String(await freePort()), BERTH_CONSOLE: 'off', LOG_LEVEL: 'warn' };
  const url = `http://127.0.0.1:${env.PORT}`;
  let admin: { email: string; password: string } | undefined;
  const graphql = async (query: string, token?: string) =>
    (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) })).json() as Promise<any>;

  it('starts, migrates, prints the URL and a generated admin, creates the demo project, serves GraphQL, and stops cleanly on SIGTERM', async () => {
    const started = await npmStart(env);
    try {
      expect(started.output()).toContain(`Console:  ${url}`);
      const credentials = started.output().match(/First admin created: (\S+) \/ (\S+)/);
      expect(credentials).not.toBeNull();

      const ready = await fetch(`${url}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, migrations: { ok: true } } });
      admin = { email: credentials![1], password: credentials![2] };
      const login = await graphql(`mutation { login(email: "${admin.email}", password: "${admin.password}") { token } }`);
      const token = login.data.login.token;
      const created = await graphql('mutation { createProject(input: { name: "Survives restarts" }) { id } }', token);
      expect(created.errors).toBeUndefined();

      // The demo models train in the background, then the public "Penguins" deployment answers.
      const answer = await waitFor('the demo penguins deployment to answer', async () => {
        const response = await fetch(`${url}/api/v1/deployments/penguins/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: { Island: 'Dream', 'Beak Length (mm)': 39, 'Beak Depth (mm)': 18.5, 'Flipper Length (mm)': 190, 'Body Mass (g)': 3700, Sex: 'FEMALE' } }),
        });
        return response.status === 200 && response;
      }, { timeoutMs: 120_000, everyMs: 500 });
      expect((await answer.json()).predictions[0].prediction).toBe('Adelie');
      const deployments = await graphql(`{ projects { name id } }`, token);
      const demoId = deployments.data.projects.find((p: { name: string }) => p.name === 'Demo').id;
      const listed = await waitFor('both demo deployments', async () => {
        const result = await graphql(`{ deployments(projectId: "${demoId}") { slug access } }`, token);
        return result.data.deployments.length >= 2 && result;
      }, { timeoutMs: 60_000, everyMs: 500 });
      expect(listed.data.deployments).toEqual([
        { slug: 'cars-mpg', access: 'project' },
        { slug: 'penguins', access: 'public' },
      ]);
    } finally {
      expect(await stop(started)).toContain('Berth stopped.');
    }
  });

  it('reuses the data on a second start: no new admin, earlier data still there', async () => {
    const started = await npmStart(env);
    try {
      expect(started.output()).not.toContain('First admin created');
      const login = await graphql(`mutation { login(email: "${admin!.email}", password: "${admin!.password}") { token } }`);
      const projects = await graphql('{ projects { name } }', login.data.login.token);
      expect(projects.data).toEqual({ projects: [{ name: 'Demo' }, { name: 'Survives restarts' }] });
    } finally {
      expect(await stop(started)).toContain('Berth stopped.');
    }
  });
});
