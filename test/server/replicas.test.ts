import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../server/platform/artifacts';
import { ADMIN, startTestBerth } from '../support/berth';
import { toCsv, uploadCsv, vegaRecords } from '../support/datasets';
import { trainDemo } from '../support/demo';
import { removeTestS3, S3_CREDENTIALS, startTestS3 } from '../support/s3';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Berth in a process of its own (`tsx server/main.ts`, as `npm start` runs it), with `env`. */
async function startBerthProcess(env: Record<string, string>) {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-replica-b-'));
  const { DATABASE_URL: _a, TEST_DATABASE_URL: _b, NODE_OPTIONS: _c, ...inherited } = process.env;
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
    cwd: ROOT,
    env: { ...inherited, HOST: '127.0.0.1', PORT: String(port), BERTH_DATA_DIR: dataDir, BERTH_CONSOLE: 'off', BERTH_DEMO: 'off', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `replica B to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`replica B exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 90_000, everyMs: 200 },
  );
  return { url, dataDir, output: () => output };
}

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };
const FEATURES = Object.keys(PENGUIN);

/**
 * Two replicas that share no folder: two processes (A in this one, B a child process), each with
 * its own BERTH_DATA_DIR, sharing one PostgreSQL and one S3-compatible server, as two hosts would.
 * A serves the API only; B runs the jobs (training, pipelines) and serves HTTP too.
 */
describe('two replicas without a shared folder (PostgreSQL + S3-compatible storage)', async () => {
  const s3 = await startTestS3(['berth-artifacts']);
  afterAll(() => removeTestS3(s3));
  const shared = { ...s3.env('berth-artifacts', 'replicas'), BERTH_SECRET: 'a-shared-secret-for-every-replica-0123456789', BERTH_PROBE_INTERVAL_MS: '0' };
  const a = await startTestBerth({ env: { ...shared, BERTH_ROLE: 'api' } });
  // B hands out pre-signed URLs for pipeline files; A streams them.
  const b = await startBerthProcess({ ...shared, DATABASE_URL: a.databaseUrl, BERTH_ROLE: 'all', BERTH_S3_PRESIGNED_DOWNLOADS: 'on' });
  const admin = await a.login(ADMIN.email, ADMIN.password);
  const replicas = [a.url, b.url];
  /** What the replica at `base` serves of a deployment (each replica answers with its own registry). */
  const status = async (base: string, id: string) => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: 'query($id: ID!) { deployment(id: $id) { status { deployed version main { state reason } } } }', variables: { id } }),
    });
    return ((await response.json()) as { data: { deployment: { status: { deployed: boolean; version: number | null; main: { state: string; reason: string | null } | null } } } }).data.deployment.status;
  };
  const predict = async (base: string, slug: string, inputs: unknown[]) => {
    const response = await fetch(`${base}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ inputs }) });
    return { status: response.status, body: (await response.json()) as any };
  };

  // The demo's datasets are uploaded through A's services; A runs no jobs, so B trains every model.
  const demo = await trainDemo(a, admin);
  const created = (await a.graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, name: 'Replicated', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'project' } },
    admin,
  )).data!.createDeployment;
  await waitFor('both replicas to deploy', async () => (await status(a.url, created.id)).deployed && (await status(b.url, created.id)).deployed, { timeoutMs: 30_000 });

  it('gives each replica its own data folder, holding no artifact outside its cache of loaded models', async () => {
    expect(a.berth.config.dataDir).not.toBe(b.dataDir);
    for (const dataDir of [a.berth.config.dataDir, b.dataDir]) {
      const files = await readdir(dataDir, { recursive: true });
      expect(files.filter((f) => /[0-9a-f]{64}$/.test(f) && !f.startsWith('cache/')), dataDir).toEqual([]);
    }
  });

  it('serves on both replicas the models B trained from the datasets A received', async () => {
    for (const base of replicas) {
      const answer = await predict(base, created.slug, [PENGUIN]);
      expect(answer.status, base).toBe(200);
      expect(answer.body.predictions).toHaveLength(1);
    }
  });

  it('runs a pipeline on B over a dataset uploaded on A, and A serves its files', async () => {
    const records = vegaRecords('penguins').slice(0, 120).map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
    const dataset = (await uploadCsv(a.url, demo.projectId, 'replicated.csv', toCsv(records, FEATURES), admin)).body;
    const pipeline = (await a.graphql<{ createPipeline: { id: string } }>('mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }', { input: { deploymentId: created.id, name: 'Across hosts', sourceKind: 'dataset', sourceDatasetId: dataset.id } }, admin)).data!.createPipeline;
    const runId = (await a.graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipeline.id }, admin)).data!.runPipelineNow.id;
    const run = await waitFor(
      'the pipeline run to finish on B',
      async () => {
        const runs = (await a.graphql<{ pipelineRuns: any[] }>('query($p: ID!) { pipelineRuns(pipelineId: $p) { id status error rowsPredicted files } }', { p: pipeline.id }, admin)).data!.pipelineRuns;
        const found = runs.find((r) => r.id === runId);
        return found && ['succeeded', 'failed'].includes(found.status) ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(run).toMatchObject({ status: 'succeeded', error: null, rowsPredicted: records.length });
    const response = await fetch(`${a.url}/api/v1/pipeline-runs/${runId}/files/main`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    const streamed = await response.text();
    expect(parse(streamed, { columns: true })).toHaveLength(records.length);
    // From B: a redirect to the object in storage, which serves the same bytes.
    const redirect = await fetch(`${b.url}/api/v1/pipeline-runs/${runId}/files/main`, { headers: { authorization: `Bearer ${admin}` }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${s3.endpoint}/berth-artifacts/replicas/.*X-Amz-Signature=`));
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(await direct.text()).toBe(streamed);
  });

  it('switches versions under load with zero failed responses on both replicas', async () => {
    const responses: Array<{ status: number; body: any }> = [];
    let stop = false;
    const client = async (base: string) => {
      while (!stop) responses.push(await predict(base, created.slug, [PENGUIN, PENGUIN]));
    };
    const load = [client(a.url), client(a.url), client(b.url), client(b.url)];
    for (const main of [demo.penguins.v1.best, demo.penguins.v2.other]) {
      const number = (await a.graphql<{ deployModelVersion: { number: number } }>('mutation($d: ID!, $m: ID!) { deployModelVersion(deploymentId: $d, mainModelId: $m) { number } }', { d: created.id, m: main }, admin)).data!.deployModelVersion.number;
      await waitFor(
        `version ${number} on both replicas`,
        async () => {
          for (const base of replicas) {
            const served = await status(base, created.id);
            if (served.version !== number || !served.deployed) return false;
          }
          return true;
        },
        { timeoutMs: 30_000 },
      );
    }
    stop = true;
    await Promise.all(load);
    expect(responses.length).toBeGreaterThan(10);
    expect(responses.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(responses.map((r) => r.body.version)).size).toBeGreaterThanOrEqual(2);
  });

  it('an object deleted behind Berth\'s back fails the new version\'s load naming its key, and the previous model keeps serving', async () => {
    const before = await status(a.url, created.id);
    const model = await a.berth.services.experiments.model(demo.penguins.v1.other);
    const file = model.files.find((f) => f.name === 'model.json') ?? model.files[0]!;
    const location = createArtifactStore(a.berth.config).locationOf(file.sha256);
    const raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    await raw.send(new DeleteObjectCommand({ Bucket: 'berth-artifacts', Key: location.replace('s3://berth-artifacts/', '') }));
    await a.graphql('mutation($d: ID!, $m: ID!) { deployModelVersion(deploymentId: $d, mainModelId: $m) { number } }', { d: created.id, m: demo.penguins.v1.other }, admin);
    for (const base of replicas) {
      const failed = await waitFor('the load to fail', async () => {
        const served = await status(base, created.id);
        return served.main?.state === 'failed' && served.main;
      });
      expect(failed.reason).toContain(location);
      const answer = await predict(base, created.slug, [PENGUIN]);
      expect(answer.status).toBe(200);
      expect(answer.body.version).toBe(before.version);
    }
  });
});
