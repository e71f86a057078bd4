import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../../../server/deployments/api-key.entity';
import { hashToken } from '../../../server/auth/credentials';
import { vegaRecords } from '../../support/datasets';
import { ADMIN, startTestBerth } from '../../support/berth';
import { deployDemo, trainDemo } from '../../support/demo';
import { waitFor } from '../../support/wait';

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };

/** A JSON value nested `depth` levels deep, as text: JSON.stringify itself cannot build it. */
const nestedArray = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;

describe('hostile predict input', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  const services = berth.berth.services;

  const create = (input: Record<string, unknown>) => deployDemo(berth, admin, demo, input);
  const strict = await create({ name: 'Strict', challengerModelId: demo.penguins.v1.best });
  const lenient = await create({ name: 'Lenient', validationMode: 'best_effort', challengerModelId: demo.penguins.v1.best });

  const post = async (path: string, body: string) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, body: (await response.json()) as any };
  };
  const predict = (slug: string, body: string) => post(`/api/v1/deployments/${slug}/predict`, body);
  const infer = (slug: string, body: string) => post(`/v2/models/${slug}/infer`, body);

  /** The server still answers a valid prediction, and the log still writes rows (its thread and timers survived). */
  const stillServes = async (slug: string) => {
    const answer = await predict(slug, JSON.stringify({ inputs: PENGUIN }));
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toHaveLength(1);
    await services.predictionLog.flush();
    expect(services.predictionLog.stats.lost).toBe(0);
  };

  const hostile = {
    'a 5 000-level array': nestedArray(5000),
    'a 5 000-level object': nestedObject(5000),
    'a flat array': '["MALE"]',
    'an object': '{"value": "MALE"}',
  };

  for (const [deployment, name] of [
    ['strict', 'Strict'],
    ['best_effort', 'Lenient'],
  ] as const) {
    const slug = () => (deployment === 'strict' ? strict.slug : lenient.slug);

    it.each(Object.entries(hostile))(`REST (${deployment}): a feature value that is %s is a 400 naming row and field`, async (_what, value) => {
      const answer = await predict(slug(), `{"inputs":[${JSON.stringify(PENGUIN)},${JSON.stringify({ ...PENGUIN, Sex: 0 }).replace('"Sex":0', `"Sex":${value}`)}]}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/a feature value must be a string, number, boolean or null/);
      expect(answer.body.details).toContainEqual({ row: 1, field: 'Sex', message: expect.stringMatching(/a feature value must be a string, number, boolean or null/) });
      await stillServes(slug());
    });

    it.each(Object.entries(hostile))(`REST (${deployment}): a field the model does not know holding %s is a 400 too`, async (_what, value) => {
      const answer = await predict(slug(), `{"inputs":{"Unknown":${value},"Island":"Biscoe"}}`);
      expect(answer.status).toBe(400);
      expect(answer.body.details).toContainEqual({ row: 0, field: 'Unknown', message: expect.stringMatching(/a feature value must be a string, number, boolean or null/) });
      await stillServes(slug());
    });

    it.each(Object.entries(hostile))(`V2 (${deployment}): tensor data holding %s is a 400 naming row and field`, async (_what, value) => {
      const answer = await infer(slug(), `{"inputs":[{"name":"Sex","shape":[2],"datatype":"BYTES","data":["MALE",${value}]},{"name":"Island","shape":[2],"datatype":"BYTES","data":["Biscoe","Dream"]}]}`);
      expect(answer.status).toBe(400);
      expect(answer.body.details).toContainEqual({ row: 1, field: 'Sex', message: expect.stringMatching(/a feature value must be a string, number, boolean or null/) });
      await stillServes(slug());
    });
  }

  it('hands a row the log cannot serialise over with that value as null, counted, and the server goes on', async () => {
    // Validation keeps such values out of predicted rows; this is the net under it (the hand-over runs in a timer).
    const log = services.predictionLog;
    const served = services.registry.bySlug(strict.slug)!.slot.value!.main;
    await log.flush();
    const before = { written: log.stats.written, failures: log.stats.handoverFailures };
    log.record([
      {
        deploymentId: strict.id,
        deploymentVersion: 1,
        modelId: served.model.id,
        role: 'main',
        requestId: randomUUID(),
        rowIndex: 0,
        input: { ...PENGUIN, Sex: JSON.parse(nestedArray(5000)) },
        output: { prediction: 'Gentoo' },
        latencyMs: 1,
        source: 'api',
        createdAt: new Date(),
        binning: served.binning,
      },
    ]);
    await log.flush();
    expect(log.stats).toMatchObject({ written: before.written + 1, lost: 0, handoverFailures: before.failures + 1 });
    expect(await services.metrics.register.metrics()).toMatch(/berth_caught_failures_total\{where="log_handover"\} 1\b/);
    await stillServes(strict.slug);
  });

  describe('warnings for values unlike the training data', () => {
    it('answers, and names row, field and what was unusual: an unseen category, a number far outside the training range', async () => {
      const rows = [PENGUIN, { ...PENGUIN, Island: 'Atlantis', 'Body Mass (g)': 60_000 }, { ...PENGUIN, 'Beak Length (mm)': -500 }];
      for (const slug of [strict.slug, lenient.slug]) {
        const answer = await predict(slug, JSON.stringify({ inputs: rows }));
        expect(answer.status).toBe(200);
        expect(answer.body.predictions).toHaveLength(3);
        expect(answer.body.warnings).toEqual([
          { row: 1, field: 'Island', message: expect.stringMatching(/^"Atlantis" is not a category the model learned/) },
          { row: 1, field: 'Body Mass (g)', message: expect.stringMatching(/^60000 is far outside the training range \(\d+ to \d+\)/) },
          { row: 2, field: 'Beak Length (mm)', message: expect.stringMatching(/^-500 is far outside the training range/) },
        ]);
      }
    });

    it('says nothing for values within the training range, or beyond it by less than its width, or missing', async () => {
      const rows = [PENGUIN, { ...PENGUIN, 'Body Mass (g)': 7000 }, { ...PENGUIN, Sex: null }];
      const answer = await predict(strict.slug, JSON.stringify({ inputs: rows }));
      expect(answer.status).toBe(200);
      expect(answer.body.warnings).toBeUndefined();
    });
  });

  describe('ground truth feedback', async () => {
    const outsider = { email: 'outsider@test.berth', name: 'Outsider', password: 'Quiet-harbour-lantern-42' };
    await graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: outsider }, admin);
    const outsiderToken = await login(outsider.email, outsider.password);
    const keyOf = async (deploymentId: string) =>
      (await graphql<{ createApiKey: { key: string } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "feedback") { key } }', { d: deploymentId }, admin)).data!.createApiKey.key;
    const strictKey = await keyOf(strict.id);
    const lenientKey = await keyOf(lenient.id);
    const cars = await create({ name: 'Cars', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v2.best });
    const CAR = Object.fromEntries(['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'].map((f) => [f, vegaRecords('cars')[0]![f]]));

    const feedback = async (slug: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${url}/api/v1/deployments/${slug}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const requestOf = async (slug: string, row: unknown) => (await predict(slug, JSON.stringify({ inputs: row }))).body.requestId as string;
    const bearer = { authorization: `Bearer ${admin}` };

    it('on a public deployment, takes it only from a key of the deployment or a project collaborator', async () => {
      const requestId = await requestOf(strict.slug, PENGUIN);
      expect((await feedback(strict.slug, { requestId, actual: 'Gentoo' })).status).toBe(401);
      expect((await feedback(strict.slug, { requestId, actual: 'Gentoo' }, { authorization: `Bearer ${outsiderToken}` })).status).toBe(403);
      expect((await feedback(strict.slug, { requestId, actual: 'Gentoo' }, { 'x-api-key': lenientKey })).status).toBe(403);
      expect((await feedback(strict.slug, { requestId, actual: 'Gentoo' }, { 'x-api-key': 'berth_key_not-a-key' })).status).toBe(401);
      expect(await feedback(strict.slug, { requestId, actual: 'Gentoo' }, { 'x-api-key': strictKey })).toEqual({ status: 200, body: { accepted: 1 } });
      expect(await feedback(strict.slug, { requestId, actual: 'Adelie' }, bearer)).toEqual({ status: 200, body: { accepted: 1 } });
    });

    it('classification: refuses a value that is not a label of the target, and structures, naming item and field', async () => {
      const requestId = await requestOf(strict.slug, PENGUIN);
      for (const actual of ['"Emperor"', '42', '{"label": "Gentoo"}', '["Gentoo"]', nestedArray(5000)]) {
        const response = await fetch(`${url}/api/v1/deployments/${strict.slug}/feedback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer },
          body: `{"feedback": [{"requestId": "${requestId}", "actual": "Gentoo"}, {"requestId": "${requestId}", "actual": ${actual}}]}`,
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as any).details).toEqual([{ row: 1, field: 'actual', message: expect.stringMatching(/is not a label of Species \(Adelie, Chinstrap, Gentoo\)|not an? (array|object)$/) }]);
      }
      await stillServes(strict.slug);
    });

    it('regression: takes a finite number (or its decimal text), refuses anything else, and performance never fails on stored garbage', async () => {
      const requestId = await requestOf(cars.slug, CAR);
      for (const actual of ['not a number', 'Infinity', true, { value: 18 }, [18]]) {
        const answer = await feedback(cars.slug, { requestId, actual }, bearer);
        expect(answer.status).toBe(400);
        expect(answer.body.details).toEqual([{ row: 0, field: 'actual', message: expect.any(String) }]);
      }
      expect(await feedback(cars.slug, { requestId, actual: '18.5' }, bearer)).toEqual({ status: 200, body: { accepted: 1 } });
      // Feedback stored before it was validated: a text, and an object.
      const other = await requestOf(cars.slug, [CAR, CAR]);
      await services.db.query(`INSERT INTO prediction_feedback (deployment_id, request_id, row_index, actual) VALUES ($1, $2, 0, '"not a number"'), ($1, $2, 1, '{"a": 1}')`, [cars.id, other]);
      const monitoring = await graphql<{ deploymentMonitoring: { performance: Array<{ role: string; rows: number; rmse: number; mae: number }> } }>(
        'query($id: ID!) { deploymentMonitoring(deploymentId: $id) { performance { role rows rmse mae } } }',
        { id: cars.id },
        admin,
      );
      expect(monitoring.errors).toBeUndefined();
      expect(monitoring.data!.deploymentMonitoring.performance).toEqual([{ role: 'main', rows: 1, rmse: expect.any(Number), mae: expect.any(Number) }]);
    });
  });

  describe('rate limit', async () => {
    const limited = await startTestBerth({ databaseUrl: berth.databaseUrl, env: { BERTH_DATA_DIR: berth.berth.config.dataDir, BERTH_ROLE: 'api', BERTH_PROBE_INTERVAL_MS: '0', BERTH_PREDICT_RATE_LIMIT: '5' } });
    const send = async (headers: Record<string, string>) =>
      (await fetch(`${limited.url}/api/v1/deployments/${strict.slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ inputs: PENGUIN }) })).status;

    it('random API keys share the client address bucket, and each unknown key is read from the database once', async () => {
      await waitFor('the limited replica to deploy', () => limited.berth.services.registry.status(strict.id).deployed);
      const lookups = vi.spyOn(limited.berth.services.db.getRepository(ApiKey), 'findOneBy');
      const keys = Array.from({ length: 8 }, () => `berth_key_${randomUUID()}`);
      const statuses: number[] = [];
      for (const key of keys) statuses.push(await send({ 'x-api-key': key }));
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      // Sent again: answered from memory (the bucket is full anyway; the lookup is what costs).
      const before = lookups.mock.calls.length;
      for (const key of keys.slice(0, 3)) await limited.berth.services.deployments.deploymentOfKey(key);
      expect(lookups.mock.calls.length).toBe(before);
      lookups.mockRestore();
    });

    it('an unknown key is remembered as unknown until a key is created, on every replica', async () => {
      const secret = `berth_key_${randomUUID()}`;
      const keys = limited.berth.services.deployments;
      expect(await keys.deploymentOfKey(secret)).toBeNull();
      // A key with this secret appears in the database without an announcement: the replica keeps its answer.
      await services.db.query(`INSERT INTO api_keys (deployment_id, name, prefix, key_hash) VALUES ($1, 'known secret', $2, $3)`, [strict.id, secret.slice(0, 14), hashToken(secret)]);
      expect(await keys.deploymentOfKey(secret)).toBeNull();
      // Creating a key (on the other replica) announces it; the replica forgets what it found unknown.
      await graphql('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "announcer") { key } }', { d: strict.id }, admin);
      await waitFor('the replica to read the key again', async () => (await keys.deploymentOfKey(secret)) === strict.id);
    });

    it('a verified key has a bucket of its own', async () => {
      const fresh = (await graphql<{ createApiKey: { key: string } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "limited") { key } }', { d: strict.id }, admin)).data!.createApiKey.key;
      // The address bucket is spent by the test above; the key's own is not.
      expect(await send({})).toBe(429);
      expect(await send({ 'x-api-key': fresh })).toBe(200);
    });
  });

  it.each([
    ['[null]', '{"inputs":[null]}'],
    ['a tensor without data', '{"inputs":[{"name":"Sex","shape":[1],"datatype":"BYTES"}]}'],
    ['a number as inputs', '{"inputs":3}'],
    ['a string tensor name list', '{"inputs":["Sex"]}'],
    ['tensors of different lengths', '{"inputs":[{"name":"Sex","shape":[1],"datatype":"BYTES","data":["MALE"]},{"name":"Island","shape":[2],"datatype":"BYTES","data":["Biscoe","Dream"]}]}'],
    ['a tensor named twice', '{"inputs":[{"name":"Sex","shape":[1],"datatype":"BYTES","data":["MALE"]},{"name":"Sex","shape":[1],"datatype":"BYTES","data":["FEMALE"]}]}'],
    ['a nested data array', `{"inputs":[{"name":"Sex","shape":[1],"datatype":"BYTES","data":${nestedArray(5000)}}]}`],
    ['a body that is not an object', '[1,2,3]'],
    ['a null body', 'null'],
  ])('V2: %s is a 400 with a message', async (_what, body) => {
    const answer = await infer(strict.slug, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(expect.any(String));
    await stillServes(strict.slug);
  });
});
