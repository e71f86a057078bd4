import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN, startTestBerth } from '../support/berth';
import { trainDemo } from '../support/demo';
import { vegaRecords } from '../support/datasets';
import { subscribe } from '../support/subscriptions';

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };

describe('deployments and online serving', async () => {
  const first = await startTestBerth({ env: { BERTH_MAX_PREDICT_ROWS: '50', BERTH_PROBE_INTERVAL_MS: '0' } });
  const { url, graphql, login } = first;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(first, admin);

  const createDeployment = async (input: Record<string, unknown>, token = admin) =>
    graphql<{ createDeployment: { id: string; slug: string } }>('mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }', { input: { projectId: demo.projectId, ...input } }, token);

  const statusOf = async (id: string) =>
    (await graphql<{ deployment: { status: any; currentVersion: number } }>('query($id: ID!) { deployment(id: $id) { currentVersion status { deployed running runningReason version main { state reason name } challenger { state reason } } } }', { id }, admin)).data!.deployment;

  const waitDeployed = async (id: string, version?: number) => {
    for (let i = 0; i < 200; i++) {
      const deployment = await statusOf(id);
      if (deployment.status.deployed && (version === undefined || deployment.status.version === version)) return deployment;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`deployment ${id} was not deployed: ${JSON.stringify(await statusOf(id))}`);
  };

  const predict = async (slug: string, body: unknown, headers: Record<string, string> = {}, base = url) => {
    const response = await fetch(`${base}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };

  const penguins = (await createDeployment({
    name: 'Penguins',
    experimentId: demo.penguins.experimentId,
    mainModelId: demo.penguins.v2.best,
    challengerModelId: demo.penguins.v1.best,
    access: 'public',
  })).data!.createDeployment;

  it('creates a deployment with a URL-safe slug that becomes deployed and running', async () => {
    expect(penguins.slug).toBe('penguins');
    const deployment = await waitDeployed(penguins.id);
    expect(deployment.status).toMatchObject({ deployed: true, running: true, version: 1, main: { state: 'ready' }, challenger: { state: 'ready' } });
  });

  it('answers the predict API with the documented response, for one row and for several', async () => {
    const one = await predict('penguins', { inputs: PENGUIN });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ deployment: 'penguins', version: 1, model: { id: demo.penguins.v2.best } });
    expect(one.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(one.body.predictions).toHaveLength(1);
    expect(one.body.predictions[0].prediction).toBe('Gentoo');
    const probabilities = one.body.predictions[0].probabilities;
    expect(Object.keys(probabilities).sort()).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(Object.values(probabilities as Record<string, number>).reduce((a, b) => a + b)).toBeCloseTo(1, 5);

    const rows = vegaRecords('penguins').slice(0, 10).map(({ Species: _species, ...features }) => features);
    const many = await predict('penguins', { inputs: rows });
    expect(many.status).toBe(200);
    expect(many.body.predictions).toHaveLength(10);
  });

  it('serves the Open Inference Protocol V2', async () => {
    expect((await fetch(`${url}/v2/health/live`)).status).toBe(200);
    const metadata = await (await fetch(`${url}/v2/models/penguins`)).json();
    expect(metadata.inputs).toContainEqual({ name: 'Island', datatype: 'BYTES', shape: [-1] });
    expect(metadata.inputs).toContainEqual({ name: 'Beak Length (mm)', datatype: 'FP32', shape: [-1] });
    expect(metadata.outputs.map((o: any) => o.name)).toEqual(['prediction', 'probabilities']);
    expect((await fetch(`${url}/v2/models/penguins/ready`)).status).toBe(200);
    const inputs = Object.entries(PENGUIN).map(([name, value]) => ({ name, shape: [2], datatype: typeof value === 'number' ? 'FP32' : 'BYTES', data: [value, value] }));
    const response = await fetch(`${url}/v2/models/penguins/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'r1', inputs }) });
    const body = await response.json();
    expect(body).toMatchObject({ model_name: 'penguins', model_version: '1', id: 'r1' });
    expect(body.outputs[0]).toEqual({ name: 'prediction', shape: [2], datatype: 'BYTES', data: ['Gentoo', 'Gentoo'] });
    expect(body.outputs[1]).toMatchObject({ name: 'probabilities', shape: [2, 3], datatype: 'FP32' });
  });

  it('publishes an OpenAPI document with an example from the training data', async () => {
    const document = await (await fetch(`${url}/api/v1/deployments/penguins/openapi.json`)).json();
    expect(document.openapi).toBe('3.1.0');
    const post = document.paths['/api/v1/deployments/penguins/predict'].post;
    const example = post.requestBody.content['application/json'].example.inputs;
    expect(Object.keys(example).sort()).toEqual(Object.keys(PENGUIN).sort());
    expect((await predict('penguins', { inputs: example })).status).toBe(200);
  });

  it('records the challenger next to the main under the same request id', async () => {
    const response = await predict('penguins', { inputs: [PENGUIN, PENGUIN] });
    await first.berth.services.predictions.settle();
    await first.berth.services.predictionLog.flush();
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT role, model_id, row_index, output FROM predictions WHERE request_id = $1 ORDER BY role, row_index', [response.body.requestId]);
    await client.end();
    expect(rows.map((r) => [r.role, r.model_id, r.row_index])).toEqual([
      ['challenger', demo.penguins.v1.best, 0],
      ['challenger', demo.penguins.v1.best, 1],
      ['main', demo.penguins.v2.best, 0],
      ['main', demo.penguins.v2.best, 1],
    ]);
    expect(rows[0].output.prediction).toEqual(expect.any(String));
  });
});
