import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../../support/berth';
import { penguinsCsv, uploadCsv } from '../../support/datasets';
import { trainDemo } from '../../support/demo';
import { removeTestS3, startTestS3 } from '../../support/s3';
import { waitFor } from '../../support/wait';

const readyz = async (url: string) => {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } };
};

describe('object storage faults seen from Berth', async () => {
  const s3 = await startTestS3(['berth-faults']);
  afterAll(() => removeTestS3(s3));
  // Unreachable at start: Berth starts anyway and says why it is not ready.
  await s3.stop();
  const berth = await startTestBerth({ env: { ...s3.env('berth-faults'), BERTH_SECRET: 's'.repeat(40), BERTH_PROBE_INTERVAL_MS: '0' } });
  const admin = await berth.login(ADMIN.email, ADMIN.password);

  it('answers /readyz 503 naming the unreachable storage, and 200 once it answers again', async () => {
    const down = await readyz(berth.url);
    expect(down.status).toBe(503);
    expect(down.body.checks.artifacts).toMatchObject({ ok: false, detail: expect.stringMatching(/Artifact storage is unavailable: .*unreachable/) });
    await s3.start();
    await waitFor('/readyz to answer 200', async () => (await readyz(berth.url)).status === 200, { timeoutMs: 20_000 });
    expect((await readyz(berth.url)).body.checks.artifacts).toMatchObject({ ok: true, detail: expect.stringContaining('s3://berth-faults/berth') });
  });

  it('refuses an upload with 503 and its reason while storage is unreachable, publishing nothing', async () => {
    const project = (await berth.graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "Faults" }) { id } }', {}, admin)).data!.createProject;
    await s3.stop();
    const refused = await uploadCsv(berth.url, project.id, 'penguins.csv', penguinsCsv(), admin);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatch(/Artifact storage is unavailable: .*unreachable/);
    // A failure a request met is in /readyz at once (a successful check is otherwise reused for 10 s).
    expect((await readyz(berth.url)).status).toBe(503);
    await s3.start();
    const datasets = await berth.graphql<{ datasets: unknown[] }>('query($p: ID!) { datasets(projectId: $p) { id } }', { p: project.id }, admin);
    expect(datasets.data!.datasets).toEqual([]);
    // The same upload works once storage is back.
    expect((await uploadCsv(berth.url, project.id, 'penguins.csv', penguinsCsv(), admin)).status).toBe(201);
  });
});

describe('a bucket that does not exist', async () => {
  const s3 = await startTestS3([]);
  afterAll(() => removeTestS3(s3));
  const berth = await startTestBerth({ env: { ...s3.env('missing-bucket'), BERTH_SECRET: 's'.repeat(40), BERTH_PROBE_INTERVAL_MS: '0' } });

  it('is named in /readyz', async () => {
    const result = await readyz(berth.url);
    expect(result.status).toBe(503);
    expect(result.body.checks.artifacts!.detail).toMatch(/bucket "missing-bucket" does not exist/);
  });
});

describe('a replica that starts while object storage is unreachable', async () => {
  const s3 = await startTestS3(['berth-outage']);
  afterAll(() => removeTestS3(s3));
  const env = { ...s3.env('berth-outage'), BERTH_SECRET: 's'.repeat(40), BERTH_PROBE_INTERVAL_MS: '0' };
  const first = await startTestBerth({ env });
  const admin = await first.login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(first, admin);
  const deployment = (await first.graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, name: 'Outage', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'project' } },
    admin,
  )).data!.createDeployment;
  await waitFor('the first replica to deploy', () => first.berth.services.registry.status(deployment.id).deployed);
  await s3.stop();
  // A new replica (its own empty data folder, so nothing cached) starts during the outage.
  const late = await startTestBerth({ databaseUrl: first.databaseUrl, env: { ...env, BERTH_ROLE: 'api' } });
  const predict = () =>
    fetch(`${late.url}/api/v1/deployments/${deployment.slug}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ inputs: [{ Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' }] }),
    });

  it('is not ready and says why its models did not load, then loads them once storage answers', async () => {
    expect((await readyz(late.url)).status).toBe(503);
    const failed = await waitFor('the load to fail', () => late.berth.services.registry.status(deployment.id).main?.state === 'failed' && late.berth.services.registry.status(deployment.id).main);
    expect(failed.reason).toMatch(/Artifact storage is unavailable: .*unreachable/);
    expect((await predict()).status).not.toBe(200);
    await s3.start();
    await waitFor('the models to load after the outage', () => late.berth.services.registry.status(deployment.id).deployed, { timeoutMs: 30_000 });
    expect((await readyz(late.url)).status).toBe(200);
    expect((await predict()).status).toBe(200);
  });
});
