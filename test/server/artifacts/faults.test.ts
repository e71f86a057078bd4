import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../../support/berth';
import { penguinsCsv, uploadCsv } from '../../support/datasets';
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
