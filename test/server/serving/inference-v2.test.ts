import { describe, expect, it } from 'vitest';
import { float32 } from '../../../server/serving/v2.codec';
import { ADMIN, startTestBerth } from '../../support/berth';
import { vegaRecords } from '../../support/datasets';
import { deployDemo, trainDemo } from '../../support/demo';

/**
 * The Open Inference Protocol V2 over REST (KServe `required_api` / open-inference-protocol
 * `inference_rest`), point by point. No OIP client exists on npm for Node (KServe's and Triton's
 * clients are Python and C++), so the request bodies are the spec's own examples, with the spec's
 * tensor names replaced by a model's features where the example is meant to succeed.
 */

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };
type Tensor = { name: string; shape: unknown; datatype: unknown; data: unknown };

/** One tensor per feature, as the metadata advertises them (FP32 numbers, BYTES categories), for `rows` rows of PENGUIN. */
const penguinInputs = (rows = 1, change: (tensor: Tensor) => Tensor = (t) => t): Tensor[] =>
  Object.entries(PENGUIN).map(([name, value]) => change({ name, shape: [rows], datatype: typeof value === 'number' ? 'FP32' : 'BYTES', data: Array.from({ length: rows }, () => value) }));
const CAR = Object.fromEntries(['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'].map((f) => [f, vegaRecords('cars')[0]![f]]));
const carInputs = () => Object.entries(CAR).map(([name, value]) => ({ name, shape: [1], datatype: typeof value === 'number' ? 'FP32' : 'BYTES', data: [value] }));
const withTensor = (name: string, tensor: Partial<Tensor>) => penguinInputs(1, (t) => (t.name === name ? { ...t, ...tensor } : t));

/** Requests the spec forbids, each a 400 `{"error"}` naming the input (or member) at fault. */
const REFUSED: Array<[string, unknown, RegExp]> = [
  // The spec's "Inference Request Examples" body, as printed: input1 declares shape [3] and carries one value.
  [
    "the spec's example request (input0 is a [2, 2] UINT32 tensor, input1 a [3] BOOL tensor with one value)",
    { id: '42', inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] }], outputs: [{ name: 'output0' }] },
    /inputs\[0\] \("input0"\): shape \[2, 2\] is not one value per row/,
  ],
  ['shape [3] with 2 values', { inputs: withTensor('Body Mass (g)', { shape: [3], data: [5800, 5900] }) }, /\("Body Mass \(g\)"\): shape \[3\] holds 3 values, "data" has 2/],
  ['shape [-2]', { inputs: withTensor('Body Mass (g)', { shape: [-2] }) }, /\("Body Mass \(g\)"\): "shape" must be a list of whole numbers ≥ 0/],
  ['shape [1000000000] with one value', { inputs: withTensor('Body Mass (g)', { shape: [1_000_000_000] }) }, /shape \[1000000000\] holds 1000000000 values, "data" has 1/],
  ['shape [2, 1] with nested data of the wrong length', { inputs: withTensor('Body Mass (g)', { shape: [2, 1], data: [[5800, 1], [5900]] }) }, /row 0 of nested "data" must be a list of 1 value/],
  ['datatype "FOO"', { inputs: withTensor('Body Mass (g)', { datatype: 'FOO' }) }, /\("Body Mass \(g\)"\): datatype "FOO" is not one of the protocol's \(case-sensitive\)/],
  ['datatype "fp32" (lowercase)', { inputs: withTensor('Body Mass (g)', { datatype: 'fp32' }) }, /datatype "fp32" is not one of the protocol's/],
  ['INT64 carrying 3700.5', { inputs: withTensor('Body Mass (g)', { datatype: 'INT64', data: [3700.5] }) }, /\("Body Mass \(g\)"\), row 0: 3700.5 is not a whole number \(INT64\)/],
  ['INT8 carrying 300', { inputs: withTensor('Body Mass (g)', { datatype: 'INT8', data: [300] }) }, /300 is outside INT8's range \(-128 to 127\)/],
  ['UINT8 carrying -1', { inputs: withTensor('Body Mass (g)', { datatype: 'UINT8', data: [-1] }) }, /-1 is outside UINT8's range/],
  ['FP32 carrying 1e39 (no float32 holds it)', { inputs: withTensor('Body Mass (g)', { data: [1e39] }) }, /1e\+39 is outside FP32's finite range/],
  ['FP16 carrying 70000', { inputs: withTensor('Body Mass (g)', { datatype: 'FP16', data: [70000] }) }, /70000 is outside FP16's finite range/],
  ['FP32 carrying a string', { inputs: withTensor('Body Mass (g)', { data: ['5800'] }) }, /"5800" is not a number \(FP32\)/],
  ['BYTES carrying a number', { inputs: withTensor('Island', { data: [3] }) }, /\("Island"\), row 0: 3 is not a string \(BYTES\)/],
  ['BOOL carrying "true"', { inputs: withTensor('Sex', { datatype: 'BOOL', data: ['true'] }) }, /"true" is not true or false \(BOOL\)/],
  ['the same input twice', { inputs: [...penguinInputs(), { name: 'Sex', shape: [1], datatype: 'BYTES', data: ['FEMALE'] }] }, /inputs\[6\]\.name: input "Sex" is sent twice/],
  ['a numeric id (the spec\'s id is a string)', { id: 42, inputs: penguinInputs() }, /^id: the request id must be a string/],
  ['an output the model does not have', { inputs: penguinInputs(), outputs: [{ name: 'nope' }] }, /outputs\[0\]\.name: the model has no output "nope"; it has prediction, probabilities/],
  ['an output without a name', { inputs: penguinInputs(), outputs: [{}] }, /outputs\[0\]\.name/],
  ['a feature the model does not know (strict)', { inputs: [...penguinInputs(), { name: 'Wings', shape: [1], datatype: 'INT32', data: [2] }] }, /row 0.*Wings|invalid/],
  ['a number for a categorical feature (strict: as REST)', { inputs: withTensor('Island', { datatype: 'INT32', data: [3] }) }, /row 0, field "Island": expected a category \(text\), got the number 3/],
];

describe('Open Inference Protocol V2', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', BERTH_PREDICT_RATE_LIMIT: '100000' } });
  const { url, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  const services = berth.berth.services;

  const create = (input: Record<string, unknown>) => deployDemo(berth, admin, demo, input);
  const penguins = await create({ name: 'V2 penguins' });
  const lenient = await create({ name: 'V2 lenient', validationMode: 'best_effort' });
  const cars = await create({ name: 'V2 cars', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v2.best });
  const closed = await create({ name: 'V2 closed', access: 'project' });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: JSON.parse(text) as any };
  };
  const infer = (slug: string, body: unknown, path = '', headers: Record<string, string> = {}) => call('POST', `/v2/models/${slug}${path}/infer`, body, headers);
  const scrape = () => services.metrics.register.metrics();
  const count = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}()[\]"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

  it.each(REFUSED)('refuses %s: 400 {"error"} naming it', async (_what, body, message) => {
    const before = await scrape();
    const answer = await infer(penguins.slug, body);
    expect(answer.status).toBe(400);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body.error).toMatch(message);
    // Nothing was predicted: the row counter did not move (a shape of 1e9 once added 1e9 to it).
    expect(count(await scrape(), `berth_predictions_total{deployment="${penguins.slug}",role="main"}`)).toBe(count(before, `berth_predictions_total{deployment="${penguins.slug}",role="main"}`));
  });

  it('answers inputs of length 0 as REST answers {"inputs": []}', async () => {
    const v2 = await infer(penguins.slug, { inputs: penguinInputs(0) });
    const rest = await call('POST', `/api/v1/deployments/${penguins.slug}/predict`, { inputs: [] });
    expect(v2.status).toBe(400);
    expect(v2.body.error).toBe(rest.body.error);
  });

  it('values outside a datatype are named by row and input in details', async () => {
    const answer = await infer(penguins.slug, { inputs: withTensor('Body Mass (g)', { shape: [3], datatype: 'INT8', data: [1, 300, -300] }).map((t) => ({ ...t, shape: [3], data: t.name === 'Body Mass (g)' ? t.data : [0, 0, 0].map(() => (t.data as unknown[])[0]) })) });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      { row: 1, field: 'Body Mass (g)', message: expect.stringMatching(/300 is outside INT8's range/) },
      { row: 2, field: 'Body Mass (g)', message: expect.stringMatching(/-300 is outside INT8's range/) },
    ]);
  });

  it("accepts the spec's two forms of tensor data, flat row-major and nested as the shape, with the same answer", async () => {
    // The spec: "[ [ 1, 2 ], [ 4, 5 ] ] can be represented in row-major format as [ 1, 2, 4, 5 ]"; for one feature per tensor, [N, 1].
    const nested = penguinInputs(2, (t) => ({ ...t, shape: [2, 1], data: (t.data as unknown[]).map((v, i) => [t.name === 'Beak Length (mm)' ? [39, 47][i] : v]) }));
    const flat = nested.map((t) => ({ ...t, data: (t.data as unknown[][]).flat() }));
    const a = await infer(penguins.slug, { inputs: nested });
    const b = await infer(penguins.slug, { inputs: flat });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.outputs).toEqual(b.body.outputs);
    expect(a.body.outputs[0]).toMatchObject({ name: 'prediction', shape: [2], datatype: 'BYTES' });
  });

  it('takes integer datatypes for numeric features', async () => {
    const answer = await infer(penguins.slug, { inputs: withTensor('Body Mass (g)', { datatype: 'INT64', data: [5800] }) });
    expect(answer.status).toBe(200);
  });

  it('answers only the outputs asked for, in the order asked', async () => {
    const only = await infer(penguins.slug, { inputs: penguinInputs(), outputs: [{ name: 'probabilities' }] });
    expect(only.status).toBe(200);
    expect(only.body.outputs.map((o: any) => o.name)).toEqual(['probabilities']);
    const both = await infer(penguins.slug, { inputs: penguinInputs(), outputs: [{ name: 'probabilities' }, { name: 'prediction' }] });
    expect(both.body.outputs.map((o: any) => o.name)).toEqual(['probabilities', 'prediction']);
    const regression = await infer(cars.slug, { inputs: carInputs(), outputs: [{ name: 'probabilities' }] });
    expect(regression.status).toBe(400);
    expect(regression.body.error).toMatch(/no output "probabilities"; it has prediction$/);
  });

  it('echoes a string id, and gives its own request id when none is sent', async () => {
    expect((await infer(penguins.slug, { id: '42', inputs: penguinInputs() })).body.id).toBe('42');
    const own = await infer(penguins.slug, { inputs: penguinInputs() });
    expect(own.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(own.body).toMatchObject({ model_name: penguins.slug, model_version: '1' });
  });

  it('writes FP32 outputs with float32 precision: the shortest decimal that reads back as the float32', async () => {
    expect(float32(0.9956991941891989)).toBe(0.99569917);
    expect(float32(0.1)).toBe(0.1);
    expect(float32(1 / 3)).toBe(0.33333334);
    const classes = await infer(penguins.slug, { inputs: penguinInputs(3) });
    const regression = await infer(cars.slug, { inputs: carInputs() });
    expect(regression.status).toBe(200);
    const values = [...classes.body.outputs[1].data, ...regression.body.outputs[0].data] as number[];
    expect(regression.body.outputs[0]).toMatchObject({ name: 'prediction', datatype: 'FP32', shape: [1] });
    expect(values.length).toBe(10);
    // float32() is the shortest form of a float32: a value already in that form is its own image.
    for (const value of values) expect(float32(value)).toBe(value);
  });

  it('serves server metadata at GET /v2', async () => {
    const answer = await call('GET', '/v2');
    expect(answer).toMatchObject({ status: 200, body: { name: 'berth', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: [] } });
  });

  it.each([
    ['GET', '/v2/nope'],
    ['GET', '/v2/models'],
    ['GET', '/v2/models/penguins-x/explain'],
    ['POST', '/v2/repository/index'],
    ['GET', '/v2/models/v2-penguins/infer'],
    ['GET', '/v2/'],
  ])('answers %s %s with a JSON 404, never the console page', async (method, path) => {
    const answer = await call(method, path);
    expect(answer.status).toBe(404);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body.error).toEqual(expect.any(String));
  });

  it('says "Deployment" for an unknown model, as REST does', async () => {
    const answer = await infer('no-such-model', { inputs: penguinInputs() });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatch(/^Deployment no-such-model does not exist/);
  });

  it('serves versioned paths for the deployment version that serves, 404 for any other', async () => {
    const base = `/v2/models/${penguins.slug}`;
    expect((await call('GET', `${base}/versions/1`)).body).toMatchObject({ name: penguins.slug, versions: ['1'] });
    expect((await call('GET', `${base}/versions/1/ready`)).body).toEqual({ name: penguins.slug, ready: true });
    const versioned = await infer(penguins.slug, { inputs: penguinInputs() }, '/versions/1');
    expect(versioned).toMatchObject({ status: 200, body: { model_version: '1' } });
    for (const version of ['2', '0', 'latest', '01']) {
      expect((await call('GET', `${base}/versions/${version}`)).status).toBe(404);
      expect((await call('GET', `${base}/versions/${version}/ready`)).status).toBe(404);
      const refused = await infer(penguins.slug, { inputs: penguinInputs() }, `/versions/${version}`);
      expect(refused.status).toBe(404);
      expect(refused.body.error).toMatch(/^Deployment v2-penguins has no version \S+ serving/);
      if (version === '2') expect(refused.body.error).toMatch(/serving: version 1 serves now$/);
    }
  });

  it('best_effort converts a number for a categorical feature and says so, as REST', async () => {
    const answer = await infer(lenient.slug, { inputs: withTensor('Island', { datatype: 'INT32', data: [3] }) });
    expect(answer.status).toBe(200);
    const rest = await call('POST', `/api/v1/deployments/${lenient.slug}/predict`, { inputs: { ...PENGUIN, Island: 3 } });
    expect(rest.status).toBe(200);
    expect(rest.body.warnings).toContainEqual({ row: 0, field: 'Island', message: expect.stringMatching(/^expected a category \(text\), got the number 3; read as "3"/) });
  });

  it('records the source header, as REST', async () => {
    const answer = await infer(penguins.slug, { id: 'from-the-form', inputs: penguinInputs() }, '', { 'x-berth-source': 'form' });
    expect(answer.status).toBe(200);
    await services.predictionLog.flush();
    const rows: Array<{ source: string }> = await services.db.query(
      `SELECT source FROM predictions WHERE deployment_id = $1 AND role = 'main' ORDER BY created_at DESC LIMIT 1`,
      [penguins.id],
    );
    expect(rows).toEqual([{ source: 'form' }]);
  });

  it('does not time requests refused before the model (401, 404) in the per-model duration histogram', async () => {
    const series = `berth_request_duration_seconds_count{deployment="${closed.slug}",role="main"}`;
    const before = count(await scrape(), series);
    expect((await infer(closed.slug, { inputs: penguinInputs() })).status).toBe(401);
    expect((await call('POST', `/api/v1/deployments/${closed.slug}/predict`, { inputs: PENGUIN })).status).toBe(401);
    const bearer = { authorization: `Bearer ${admin}` };
    expect((await infer(closed.slug, { inputs: penguinInputs() }, '/versions/9', bearer)).status).toBe(404);
    expect((await infer(closed.slug, { inputs: withTensor('Island', { datatype: 'fp32' }) }, '', bearer)).status).toBe(400);
    const after = await scrape();
    expect(count(after, series)).toBe(before);
    // The refusals are still counted as requests.
    expect(count(after, `berth_requests_total{deployment="${closed.slug}",status="4xx"}`)).toBe(4);
    expect((await infer(closed.slug, { inputs: penguinInputs() }, '', bearer)).status).toBe(200);
    expect(count(await scrape(), series)).toBe(before + 1);
  });

  it('counts V2 failures of the server in the "running" outcome window, as REST', async () => {
    const sick = await create({ name: 'V2 sick' });
    expect(services.registry.status(sick.id).running).toBe(true);
    const main = services.registry.bySlug(sick.slug)!.slot.value!.main;
    main.runtime.unload();
    const failures = await Promise.all(Array.from({ length: 6 }, () => infer(sick.slug, { inputs: penguinInputs() })));
    expect(failures.map((f) => f.status)).toEqual([500, 500, 500, 500, 500, 500]);
    expect(services.registry.status(sick.id)).toMatchObject({ running: false, runningReason: '6 of the last 6 requests failed' });
    await main.runtime.load();
    for (let i = 0; i < 20; i++) expect((await infer(sick.slug, { inputs: penguinInputs() })).status).toBe(200);
    expect(services.registry.status(sick.id).running).toBe(true);
  });
});
