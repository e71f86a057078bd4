import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../../support/berth';
import { trainDemo } from '../../support/demo';

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };

/** A JSON value nested `depth` levels deep, as text: JSON.stringify itself cannot build it. */
const nestedArray = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`;

/** Bounded polling: never a sleep to synchronise. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('hostile predict input', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  const services = berth.berth.services;

  const create = async (input: Record<string, unknown>) => {
    const created = (await graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'public', ...input } },
      admin,
    )).data!.createDeployment;
    await until(() => services.registry.status(created.id).deployed, `${created.slug} to deploy`);
    return created;
  };
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
