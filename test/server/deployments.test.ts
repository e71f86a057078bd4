import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN, startTestBerth } from '../support/berth';
import { trainDemo } from '../support/demo';
import { vegaRecords } from '../support/datasets';
import { subscribe } from '../support/subscriptions';
import { loadModelFromFiles } from '../../server/ml/artifacts';
import { predictRows } from '../../server/ml/training';
import { letTimePass, nextEvent, waitFor } from '../support/wait';
import { topicFor } from '../../server/platform/event-bus';
import { PROJECT_DEPLOYMENT_STATUS } from '../../server/serving/deployment-registry';
import { API_KEYS_REVOKED } from '../../server/deployments/deployment.service';

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

  const waitDeployed = (id: string, version?: number) =>
    waitFor(`deployment ${id} to be deployed${version === undefined ? '' : ` at version ${version}`}`, async () => {
      const deployment = await statusOf(id);
      return deployment.status.deployed && (version === undefined || deployment.status.version === version) && deployment;
    }, { timeoutMs: 45_000 });

  const predict = async (slug: string, body: unknown, headers: Record<string, string> = {}, base = url) => {
    const response = await fetch(`${base}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** What a model predicts for `rows` through the training code path, outside the server. */
  const directPredictions = async (modelId: string, rows: Array<Record<string, unknown>>) => {
    const model = await first.berth.services.experiments.model(modelId);
    const version = await first.berth.services.experiments.version(model.versionId);
    const files = await Promise.all(model.files.map(async (f) => ({ name: f.name, bytes: await first.berth.services.experiments.modelFile(model, f.name) })));
    const { model: loaded } = await loadModelFromFiles(files);
    try {
      return predictRows(loaded, version.preprocessing!, rows);
    } finally {
      loaded.dispose();
    }
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
    expect(one.body).toMatchObject({ deployment: 'penguins', version: 1, model: { id: demo.penguins.v2.best, experimentVersion: 2 } });
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
    const beak = document.components.schemas.Row.properties['Beak Length (mm)'];
    expect(beak['x-training-range']).toEqual([expect.any(Number), expect.any(Number)]);
    expect(beak['x-training-range'][0]).toBeLessThan(beak['x-training-range'][1]);
    expect(beak.minimum).toBeUndefined();
    expect(Object.keys(example).sort()).toEqual(Object.keys(PENGUIN).sort());
    expect((await predict('penguins', { inputs: example })).status).toBe(200);
  });

  it('serves the same predictions as the training code path on the same rows (one preprocessing module)', async () => {
    const rows = vegaRecords('penguins').slice(0, 40).map(({ Species: _species, ...features }) => features);
    const served = await predict('penguins', { inputs: rows });
    const direct = await directPredictions(demo.penguins.v2.best, rows);
    served.body.predictions.forEach((p: any, i: number) => {
      expect(p.prediction).toBe(direct[i].prediction);
      for (const label of Object.keys(direct[i].probabilities!)) expect(Math.abs(p.probabilities[label] - direct[i].probabilities![label])).toBeLessThanOrEqual(1e-6);
    });
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

  it('predicts the challenger rows of concurrent requests in shared model calls, each recorded under its own request with its own answer', async () => {
    const batcher = () => first.berth.services.registry.bySlug('penguins')!.slot.value!.challenger!.batcher.counters;
    const before = batcher();
    const rows = vegaRecords('penguins').slice(0, 40).map(({ Species: _species, ...features }) => features);
    const responses = await Promise.all(rows.map((row) => predict('penguins', { inputs: [row] })));
    await first.berth.services.predictions.settle();
    await first.berth.services.predictionLog.flush();
    const after = batcher();
    expect(after.calls - before.calls).toBeLessThan(rows.length);
    expect(after.rows - before.rows).toBe(rows.length);

    // Each request's challenger row is its own row, answered as the challenger model alone answers it.
    const direct = await directPredictions(demo.penguins.v1.best, rows);
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const { rows: logged } = await client.query("SELECT request_id, input, output FROM predictions WHERE role = 'challenger' AND request_id = ANY($1)", [responses.map((r) => r.body.requestId)]);
    await client.end();
    const byRequest = new Map(logged.map((r) => [r.request_id, r]));
    expect(byRequest.size).toBe(rows.length);
    responses.forEach((response, i) => {
      const row = byRequest.get(response.body.requestId)!;
      expect(row.input).toEqual(rows[i]);
      expect(row.output.prediction).toBe(direct[i].prediction);
      for (const label of Object.keys(direct[i].probabilities!)) expect(Math.abs(row.output.probabilities[label] - direct[i].probabilities![label])).toBeLessThanOrEqual(1e-6);
    });
  });

  it('records web form predictions with the form source', async () => {
    const response = await predict('penguins', { inputs: PENGUIN }, { 'x-berth-source': 'form' });
    await first.berth.services.predictionLog.flush();
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT DISTINCT source FROM predictions WHERE request_id = $1 AND role = 'main'`, [response.body.requestId]);
    await client.end();
    expect(rows).toEqual([{ source: 'form' }]);
  });
});

describe('deployment rules, access and errors', async () => {
  const berth = await startTestBerth({ env: { BERTH_MAX_PREDICT_ROWS: '50', BERTH_PROBE_INTERVAL_MS: '0', BERTH_PREDICT_RATE_LIMIT: '100000' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);

  const users: Record<string, string> = {};
  for (const name of ['collaborator', 'outsider']) {
    await graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email: `${name}@test.berth`, name, password: `${name}-password-1` } }, admin);
    users[name] = await login(`${name}@test.berth`, `${name}-password-1`);
  }
  await graphql('mutation($p: ID!) { addCollaborator(projectId: $p, email: "collaborator@test.berth", role: viewer) { role } }', { p: demo.projectId }, admin);

  const create = async (input: Record<string, unknown>) =>
    graphql<{ createDeployment: { id: string; slug: string } }>('mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }', { input: { projectId: demo.projectId, experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, ...input } }, admin);
  const deployed = async (input: Record<string, unknown>) => {
    const created = (await create(input)).data!.createDeployment;
    await waitFor('the deployment to be deployed', () => berth.berth.services.registry.status(created.id).deployed, { timeoutMs: 45_000 });
    return created;
  };
  const predict = async (slug: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const createKey = async (deploymentId: string) =>
    (await graphql<{ createApiKey: { key: string; apiKey: { id: string; prefix: string } } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "app") { key apiKey { id prefix } } }', { d: deploymentId }, admin)).data!.createApiKey;

  const levels = {
    public: await deployed({ name: 'Open', access: 'public' }),
    instance: await deployed({ name: 'Instance only', access: 'instance' }),
    project: await deployed({ name: 'Project only', access: 'project' }),
  };
  const keys = { instance: await createKey(levels.instance.id), project: await createKey(levels.project.id) };
  const revoked = await createKey(levels.project.id);
  await graphql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: revoked.apiKey.id }, admin);

  it.each([
    // [access, caller, expected status]
    ['public', 'anonymous', 200],
    ['public', 'outsider', 200],
    ['instance', 'anonymous', 401],
    ['instance', 'outsider', 200],
    ['instance', 'own key', 200],
    ['instance', 'other key', 403],
    ['project', 'anonymous', 401],
    ['project', 'outsider', 403],
    ['project', 'collaborator', 200],
    ['project', 'own key', 200],
    ['project', 'other key', 403],
    ['project', 'revoked key', 401],
  ] as const)('%s deployment, %s → %i', async (access, caller, status) => {
    const deployment = levels[access];
    const headers: Record<string, string> = {};
    if (caller === 'outsider' || caller === 'collaborator') headers.authorization = `Bearer ${users[caller]}`;
    if (caller === 'own key') headers['x-api-key'] = keys[access as 'instance' | 'project'].key;
    if (caller === 'other key') headers['x-api-key'] = access === 'project' ? keys.instance.key : keys.project.key;
    if (caller === 'revoked key') headers.authorization = `Bearer ${revoked.key}`;
    const result = await predict(deployment.slug, { inputs: PENGUIN }, headers);
    expect(result.status).toBe(status);
    if (status !== 200) expect(result.body.error).toEqual(expect.any(String));
  });

  it('shows an API key once, with a recognisable prefix, and stores only its hash', async () => {
    expect(keys.project.key).toMatch(/^berth_key_[A-Za-z0-9_-]{43}$/);
    expect(keys.project.key.startsWith(keys.project.apiKey.prefix)).toBe(true);
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT * FROM api_keys');
    await client.end();
    expect(JSON.stringify(rows)).not.toContain(keys.project.key);
    const listed = await graphql('query($id: ID!) { deployment(id: $id) { apiKeys { name prefix lastUsedAt revokedAt } } }', { id: levels.project.id }, admin);
    expect(JSON.stringify(listed)).not.toContain(keys.project.key);
  });

  it('refuses unknown fields and wrong types in strict mode, naming row and field', async () => {
    const result = await predict(levels.public.slug, { inputs: [PENGUIN, { ...PENGUIN, 'Beak Length (mm)': 'abc', Wings: 2 }] });
    expect(result.status).toBe(400);
    expect(result.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 1, field: 'Beak Length (mm)', message: expect.stringContaining('abc') }),
        expect.objectContaining({ row: 1, field: 'Wings' }),
      ]),
    );
  });

  it('imputes and drops in best-effort mode, saying so', async () => {
    const lenient = await deployed({ name: 'Lenient', access: 'public', validationMode: 'best_effort' });
    const result = await predict(lenient.slug, { inputs: { ...PENGUIN, 'Beak Length (mm)': 'abc', Wings: 2 } });
    expect(result.status).toBe(200);
    expect(result.body.predictions).toHaveLength(1);
    expect(result.body.warnings.map((w: any) => w.field).sort()).toEqual(['Beak Length (mm)', 'Wings']);
  });

  it('answers 404 for an unknown deployment, 400 for a malformed body, 413 above the row limit', async () => {
    expect((await predict('no-such-deployment', { inputs: PENGUIN })).status).toBe(404);
    const malformed = await predict(levels.public.slug, { rows: [PENGUIN] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/inputs/);
    const tooMany = await predict(levels.public.slug, { inputs: Array.from({ length: 51 }, () => PENGUIN) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatch(/51 rows.*limit is 50/);
  });

  it('refuses a challenger from another experiment, the same model twice, and a model that is not ready', async () => {
    const otherExperiment = await create({ name: 'Mixed', access: 'public', challengerModelId: demo.cars.v2.best });
    expect(otherExperiment.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'challengerModelId' } });
    expect(otherExperiment.errors?.[0].message).toMatch(/another experiment/);
    const twice = await create({ name: 'Twice', access: 'public', challengerModelId: demo.penguins.v2.best });
    expect(twice.errors?.[0].message).toMatch(/another model than the main one/);
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    await client.query(`UPDATE models SET status = 'failed', failure_reason = 'diverged' WHERE id = $1`, [demo.penguins.v1.other]);
    await client.end();
    const notReady = await create({ name: 'Broken', access: 'public', mainModelId: demo.penguins.v1.other });
    expect(notReady.errors?.[0].message).toMatch(/is failed \(diverged\); only ready models can be deployed/);
  });

  it('refuses to delete a project or an experiment while deployed, saying which deployment', async () => {
    const project = await graphql('mutation($id: ID!) { deleteProject(id: $id) }', { id: demo.projectId }, admin);
    expect(project.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(project.errors?.[0].message).toMatch(/still has \d+ deployments/);
    const experiment = await graphql('mutation($id: ID!) { deleteExperiment(id: $id) }', { id: demo.penguins.experimentId }, admin);
    expect(experiment.errors?.[0].message).toMatch(/in deployment "Open" version 1/);
  });

  it('deletes a deployment only with its slug as confirmation, then answers 404', async () => {
    const doomed = await deployed({ name: 'Doomed', access: 'public' });
    const refused = await graphql('mutation($id: ID!) { deleteDeployment(id: $id, confirm: "yes") }', { id: doomed.id }, admin);
    expect(refused.errors?.[0].message).toMatch(/type the deployment's slug "doomed"/);
    expect((await predict('doomed', { inputs: PENGUIN })).status).toBe(200);
    const deleted = await graphql('mutation($id: ID!) { deleteDeployment(id: $id, confirm: "doomed") }', { id: doomed.id }, admin);
    expect(deleted.data).toEqual({ deleteDeployment: true });
    await waitFor('the deleted deployment to answer 404', async () => (await predict('doomed', { inputs: PENGUIN })).status === 404);
    expect((await predict('doomed', { inputs: PENGUIN })).status).toBe(404);
  });

  it('lets viewers read deployments but not create, switch or delete them', async () => {
    const listed = await graphql<{ deployments: Array<{ slug: string; formUrl: string; status: { deployed: boolean } }> }>('query($p: ID!) { deployments(projectId: $p) { slug formUrl apiUrl status { deployed running } } }', { p: demo.projectId }, users.collaborator);
    expect(listed.data!.deployments.map((d) => d.slug)).toContain('open');
    expect(listed.data!.deployments.find((d) => d.slug === 'open')!.formUrl).toMatch(/\/d\/open$/);
    const refused = await graphql('mutation($d: ID!, $m: ID!) { deployModelVersion(deploymentId: $d, mainModelId: $m) { number } }', { d: levels.public.id, m: demo.penguins.v1.best }, users.collaborator);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('versions, rollback and replicas', async () => {
  const first = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0' } });
  // Replicas share the database and the data folder (artifacts), as in docker-compose.
  const second = await startTestBerth({ databaseUrl: first.databaseUrl, env: { BERTH_DATA_DIR: first.berth.config.dataDir, BERTH_PROBE_INTERVAL_MS: '0' } });
  const limited = await startTestBerth({ databaseUrl: first.databaseUrl, env: { BERTH_DATA_DIR: first.berth.config.dataDir, BERTH_ROLE: 'api', BERTH_PROBE_INTERVAL_MS: '0', BERTH_PREDICT_RATE_LIMIT: '5' } });
  const admin = await first.login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(first, admin);
  const predict = async (base: string, slug: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const status = (berth: typeof first, id: string) => berth.berth.services.registry.status(id);
  const until = (condition: () => boolean | Promise<boolean>, what: string) => waitFor(what, condition);

  const created = (await first.graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, name: 'Switching', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'project' } },
    admin,
  )).data!.createDeployment;
  const key = (await first.graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "load") { key apiKey { id } } }', { d: created.id }, admin)).data!.createApiKey;
  await until(() => status(first, created.id).deployed && status(second, created.id).deployed, 'both replicas to deploy');

  it('switches versions and rolls back under concurrent load with no failed or mixed response, on both replicas', async () => {
    const versions = new Map<number, string>([[1, demo.penguins.v2.best]]);
    const responses: Array<{ status: number; body: any }> = [];
    let stop = false;
    const client = async (base: string) => {
      while (!stop) responses.push(await predict(base, created.slug, { inputs: [PENGUIN, PENGUIN] }, { 'x-api-key': key.key }));
    };
    const load = [client(first.url), client(first.url), client(first.url), client(first.url), client(second.url)];

    const deploy = async (main: string, challenger: string | null) => {
      const result = await first.graphql<{ deployModelVersion: { number: number } }>('mutation($d: ID!, $m: ID!, $c: ID) { deployModelVersion(deploymentId: $d, mainModelId: $m, challengerModelId: $c) { number } }', { d: created.id, m: main, c: challenger }, admin);
      const number = result.data!.deployModelVersion.number;
      versions.set(number, main);
      await until(() => status(first, created.id).version === number && status(second, created.id).version === number && status(second, created.id).deployed, `version ${number} everywhere`);
      return number;
    };
    await deploy(demo.penguins.v1.best, demo.penguins.v2.other);
    await deploy(demo.penguins.v2.other, null);
    const history = await first.graphql<{ deployment: { versions: Array<{ id: string; number: number }> } }>('query($id: ID!) { deployment(id: $id) { versions { id number } } }', { id: created.id }, admin);
    const firstVersion = history.data!.deployment.versions.find((v) => v.number === 1)!;
    await first.graphql('mutation($v: ID!) { rollbackDeployment(deploymentVersionId: $v) { number } }', { v: firstVersion.id }, admin);
    await until(() => status(first, created.id).version === 1 && status(second, created.id).version === 1, 'the rollback everywhere');
    // Requests keep coming for a moment after the last switch.
    await letTimePass(100);
    stop = true;
    await Promise.all(load);

    expect(responses.length).toBeGreaterThan(20);
    expect(responses.filter((r) => r.status !== 200)).toEqual([]);
    for (const response of responses) {
      // Never mixed: the model that answered is the main model of the version the response names.
      expect(response.body.model.id).toBe(versions.get(response.body.version));
      expect(response.body.predictions).toHaveLength(2);
    }
    expect(new Set(responses.map((r) => r.body.version)).size).toBeGreaterThanOrEqual(3);

    const audit = await first.graphql<{ deployment: { events: Array<{ kind: string; fromVersion: number | null; toVersion: number }>; versions: Array<{ number: number; current: boolean; createdBy: { email: string } }> } }>(
      'query($id: ID!) { deployment(id: $id) { events { kind fromVersion toVersion } versions { number current createdBy { email } } } }',
      { id: created.id },
      admin,
    );
    expect(audit.data!.deployment.events.map((e) => [e.kind, e.fromVersion, e.toVersion])).toEqual([
      ['rolled_back', 3, 1],
      ['deployed', 2, 3],
      ['deployed', 1, 2],
      ['created', null, 1],
    ]);
    expect(audit.data!.deployment.versions.map((v) => [v.number, v.current])).toEqual([
      [3, false],
      [2, false],
      [1, true],
    ]);
    expect(audit.data!.deployment.versions[0].createdBy.email).toBe(ADMIN.email);
  });

  it('keeps a verified key in memory, yet a revocation the event bus never carried still holds within seconds', async () => {
    const other = (await first.graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "unannounced") { key apiKey { id } } }', { d: created.id }, admin)).data!.createApiKey;
    expect((await predict(second.url, created.slug, { inputs: PENGUIN }, { 'x-api-key': other.key })).status).toBe(200);
    // Revoked behind Berth's back, as if the replicas had missed the event.
    await first.berth.services.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [other.apiKey.id]);
    // Verified a moment ago: answered from memory, without reading the key.
    expect((await predict(second.url, created.slug, { inputs: PENGUIN }, { 'x-api-key': other.key })).status).toBe(200);
    await until(async () => (await predict(second.url, created.slug, { inputs: PENGUIN }, { 'x-api-key': other.key })).status === 401, 'the revocation to hold');
  });

  it('a revoked key stops working on the other replica at its next request', async () => {
    expect((await predict(second.url, created.slug, { inputs: PENGUIN }, { 'x-api-key': key.key })).status).toBe(200);
    // The other replica hears of the revocation through the bus, a few milliseconds after the mutation returns.
    const heard = nextEvent(second.berth.services.bus, API_KEYS_REVOKED);
    await first.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: key.apiKey.id }, admin);
    await heard;
    expect((await predict(second.url, created.slug, { inputs: PENGUIN }, { 'x-api-key': key.key })).status).toBe(401);
  });

  it('rate-limits per client with 429', async () => {
    const statuses: number[] = [];
    await until(() => status(limited, created.id).deployed, 'the limited replica to deploy');
    for (let i = 0; i < 8; i++) statuses.push((await predict(limited.url, created.slug, { inputs: PENGUIN }, { authorization: `Bearer ${admin}` })).status);
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
  });

  it('reports not running, with the reason, when requests fail on the server, and running again once they succeed', async () => {
    const sick = (await first.graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, name: 'Sick', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'public' } },
      admin,
    )).data!.createDeployment;
    await until(() => status(first, sick.id).deployed, 'the deployment to load');
    // Let the probe that follows a switch finish first: it must not see the model unloaded below.
    await first.berth.services.registry.probeAll();
    expect(status(first, sick.id).running).toBe(true);
    const main = first.berth.services.registry.bySlug('sick')!.slot.value!.main;
    main.runtime.unload();
    const failures = await Promise.all(Array.from({ length: 6 }, () => predict(first.url, 'sick', { inputs: PENGUIN })));
    expect(failures.map((f) => f.status)).toEqual([500, 500, 500, 500, 500, 500]);
    expect(JSON.stringify(failures[0].body)).not.toMatch(/at .*\.ts|stack/);
    expect(status(first, sick.id)).toMatchObject({ running: false, runningReason: '6 of the last 6 requests failed' });
    await main.runtime.load();
    for (let i = 0; i < 20; i++) await predict(first.url, 'sick', { inputs: PENGUIN });
    await first.berth.services.registry.probeAll();
    expect(status(first, sick.id).running).toBe(true);
  });

  it('probes each deployment through its HTTP route and reports a failing probe', async () => {
    const registry = first.berth.services.registry;
    await registry.probeAll();
    expect(status(first, created.id).running).toBe(true);
    const main = registry.bySlug(created.slug)!.slot.value!.main;
    main.runtime.unload();
    await registry.probeAll();
    expect(status(first, created.id)).toMatchObject({ running: false, runningReason: expect.stringMatching(/^the probe got HTTP 500/) });
    await main.runtime.load();
    await registry.probeAll();
    expect(status(first, created.id).running).toBe(true);
  });

  it('keeps main answers intact when the challenger is broken, and records the failure', async () => {
    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    try {
      // A challenger whose weights are gone from the store: it fails to load, main still serves.
      const broken = await first.graphql<{ createDeployment: { id: string; slug: string } }>(
        'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
        { input: { projectId: demo.projectId, name: 'Broken challenger', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, challengerModelId: demo.penguins.v1.other, access: 'public' } },
        admin,
      );
      const id = broken.data!.createDeployment.id;
      await until(() => status(first, id).main?.state === 'ready', 'main to load');
      const challenger = first.berth.services.registry.bySlug('broken-challenger')!.slot.value!.challenger!;
      challenger.runtime.unload();
      const results = await Promise.all(Array.from({ length: 5 }, () => predict(first.url, 'broken-challenger', { inputs: PENGUIN })));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      await first.berth.services.predictions.settle();
      await first.berth.services.predictionLog.flush();
      const { rows } = await client.query(`SELECT role, error FROM predictions WHERE deployment_id = $1 AND role = 'challenger'`, [id]);
      expect(rows).toHaveLength(5);
      expect(rows.every((r) => typeof r.error === 'string' && r.error.length > 0)).toBe(true);
      expect(first.berth.services.predictions.challengerCounters.get(id)).toMatchObject({ failed: 5, shed: 0 });
    } finally {
      await client.end();
    }
  });

  it('shows loading then ready, pushes status changes to subscribers, and marks a corrupt artifact failed without serving it', async () => {
    const subscription = subscribe(first.url, admin, `subscription { deploymentStatusChanged(projectId: "${demo.projectId}") { deploymentId deployed version main { state reason } } }`);
    await subscription.ready;
    await waitFor('the subscription to listen on the bus', () => first.berth.services.bus.listenerCount(topicFor(PROJECT_DEPLOYMENT_STATUS, demo.projectId)) > 0);

    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT files FROM models WHERE id = $1', [demo.cars.v1.best]);
    await client.end();
    // Corrupt the weights on disk: the hash check on read refuses them.
    const { writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const weights = rows[0].files.find((f: any) => f.name === 'weights.bin');
    await writeFile(path.join(first.berth.config.dataDir, 'artifacts', weights.sha256.slice(0, 2), weights.sha256), Buffer.from('garbage'));

    const created = await first.graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, name: 'Corrupt', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v1.best, access: 'public' } },
      admin,
    );
    const id = created.data!.createDeployment.id;
    await subscription.waitUntil((received) => received.some((r) => r.data?.deploymentStatusChanged.deploymentId === id && r.data.deploymentStatusChanged.main?.state === 'failed'));
    const healthy = (await first.graphql<{ createDeployment: { id: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }',
      { input: { projectId: demo.projectId, name: 'Healthy', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v2.best, access: 'public' } },
      admin,
    )).data!.createDeployment;
    const subscription2 = subscription;
    await subscription2.waitUntil((received) => received.some((r) => r.data?.deploymentStatusChanged.deploymentId === healthy.id && r.data.deploymentStatusChanged.deployed));
    const healthyStates = subscription.received.filter((r) => r.data?.deploymentStatusChanged.deploymentId === healthy.id).map((r) => r.data.deploymentStatusChanged.main.state);
    expect(healthyStates[0]).toBe('loading');
    expect(healthyStates.at(-1)).toBe('ready');
    const states = subscription.received.filter((r) => r.data?.deploymentStatusChanged.deploymentId === id).map((r) => r.data.deploymentStatusChanged.main.state);
    expect(states[0]).toBe('loading');
    expect(states.at(-1)).toBe('failed');
    await subscription.client.dispose();
    const final = subscription.received.filter((r) => r.data?.deploymentStatusChanged.deploymentId === id).at(-1).data.deploymentStatusChanged;
    expect(final).toMatchObject({ deployed: false, main: { state: 'failed', reason: expect.stringMatching(/hash|damaged/) } });
    const refused = await predict(first.url, 'corrupt', { inputs: { Cylinders: 4, Horsepower: 90, Weight_in_lbs: 2200 } });
    expect(refused.status).toBe(503);
  });
});
