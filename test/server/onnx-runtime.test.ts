import * as ort from 'onnxruntime-node';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { vegaRecords } from '../../server/demo/vega-datasets';
import { SERVING_ONNX } from '../../server/ml/onnx/export';
import { codecFor, type ModelContract } from '../../server/ml/runtimes';
import { TfjsModelRuntime } from '../../server/ml/runtimes/tfjs';
import type { Prediction, PreprocessingSpec, Row } from '../../server/ml/types';
import { ADMIN, startTestBerth } from '../support/berth';
import { trainDemo } from '../support/demo';
import { toCsv, uploadCsv } from '../support/datasets';
import { waitFor } from '../support/wait';

/**
 * Berth-trained models on ONNX Runtime (issue 14, items 5 and 6), on the demo's real models:
 * - BERTH_RUNTIME=auto (the default) serves every demo model through ONNX Runtime, and its
 *   REST, V2 and batch answers stay within 1e-5 of TF.js's (the reference) on the whole
 *   reference data;
 * - each model downloads as one raw-feature .onnx file (+ its preprocessing JSON) that answers
 *   as TF.js in onnxruntime-node, missing values and unseen categories included, and that
 *   re-imports into Berth with the same predictions (round trip).
 */
const DEMO = {
  penguins: { data: 'penguins', target: 'Species', experiment: 'Penguins species' },
  cars: { data: 'cars', target: 'Miles_per_Gallon', experiment: 'Cars MPG' },
} as const;

function worst(reference: Prediction[], other: Prediction[]): { difference: number; labels: number } {
  if (other.length !== reference.length) return { difference: Number.POSITIVE_INFINITY, labels: Math.abs(other.length - reference.length) };
  let difference = 0;
  let labels = 0;
  reference.forEach((r, i) => {
    const o = other[i]!;
    if (typeof r.prediction === 'number') difference = Math.max(difference, Math.abs(r.prediction - Number(o.prediction)));
    else if (r.prediction !== o.prediction) labels++;
    for (const [label, p] of Object.entries(r.probabilities ?? {})) difference = Math.max(difference, Math.abs(p - (o.probabilities?.[label] ?? Number.NaN)));
  });
  return { difference, labels };
}

describe('Berth-trained models on ONNX Runtime', async () => {
  const test = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', BERTH_MAX_PREDICT_ROWS: '1000' } });
  const { url, graphql, login, berth } = test;
  const admin = await login(ADMIN.email, ADMIN.password);
  const auth = { authorization: `Bearer ${admin}` };
  const demo = await trainDemo(test, admin);
  const experiments = (await graphql<{ experiments: any[] }>('query($p: ID!) { experiments(projectId: $p) { id name versions { id number datasetId } } }', { p: demo.projectId }, admin)).data!.experiments;

  interface DemoModel {
    id: string;
    kind: keyof typeof DEMO;
    experimentId: string;
    datasetId: string;
    spec: PreprocessingSpec;
    files: Array<{ name: string; bytes: Uint8Array }>;
  }
  const models: DemoModel[] = [];
  for (const kind of ['penguins', 'cars'] as const) {
    for (const v of ['v1', 'v2'] as const) {
      for (const id of [demo[kind][v].best, demo[kind][v].other]) {
        const model = await berth.services.experiments.model(id);
        const version = await berth.services.experiments.version(model.versionId);
        const experiment = experiments.find((e) => e.name === DEMO[kind].experiment)!;
        const files = [];
        for (const file of model.files) files.push({ name: file.name, bytes: new Uint8Array(await berth.services.experiments.modelFile(model, file.name)) });
        models.push({ id, kind, experimentId: experiment.id, datasetId: experiment.versions.find((x: any) => x.id === model.versionId).datasetId, spec: version.preprocessing!, files });
      }
    }
  }

  /** The reference data as the demo's dataset holds it (every row with a target). */
  const referenceRows = (kind: keyof typeof DEMO): Row[] => vegaRecords(DEMO[kind].data).filter((r) => r[DEMO[kind].target] !== null && r[DEMO[kind].target] !== undefined);
  /** Rows of the model's features only (what the predict API takes), plus rows with missing values and unseen categories. */
  const apiRows = (model: DemoModel): Row[] => {
    const names = model.spec.features.map((f) => f.name);
    const rows = referenceRows(model.kind).map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null])));
    const hard: Row[] = [];
    for (const feature of model.spec.features) {
      if (feature.nullable !== false) hard.push({ ...rows[3], [feature.name]: null });
      if (feature.type === 'categorical') hard.push({ ...rows[5], [feature.name]: 'Atlantis' });
    }
    // Strict validation (the API's) keeps exactly the rows TF.js's reference below keeps.
    const codec = codecFor(model.spec, null);
    const all = [...rows, ...hard];
    const rejected = new Set(codec.encode(all, { mode: 'strict' }).rejected);
    return all.filter((_, i) => !rejected.has(i));
  };
  /** TF.js's answers through Berth's own encoding: the reference every runtime is held to. */
  const tfjsAnswers = async (model: DemoModel, rows: Row[], mode: 'strict' | 'best_effort'): Promise<Prediction[]> => {
    const runtime = new TfjsModelRuntime(async () => model.files.filter((f) => f.name !== SERVING_ONNX));
    await runtime.load();
    try {
      const codec = codecFor(model.spec, null);
      const encoded = codec.encode(rows, { mode });
      expect(encoded.rejected).toEqual([]);
      return codec.decode(await runtime.predict(encoded.batch), encoded.batch.rows);
    } finally {
      runtime.unload();
    }
  };
  const deploy = async (name: string, experimentId: string, modelId: string): Promise<{ id: string; slug: string }> => {
    const created = await graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, name, experimentId, mainModelId: modelId, access: 'project' } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const deployment = created.data!.createDeployment;
    await waitFor('deployed', () => berth.services.registry.status(deployment.id).deployed, { timeoutMs: 60_000 });
    return deployment;
  };
  const restAnswers = async (slug: string, rows: Row[]): Promise<Prediction[]> => {
    const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows }) });
    const body = (await response.json()) as any;
    expect(response.status, JSON.stringify(body).slice(0, 300)).toBe(200);
    return body.predictions;
  };

  it('every demo model was trained with its ONNX serving graph cached beside the TF.js files', () => {
    expect(models).toHaveLength(8);
    for (const model of models) expect(model.files.map((f) => f.name).sort()).toEqual([SERVING_ONNX, 'model.json', 'weights.bin'].sort());
  });

  describe.each([0, 1, 2, 3, 4, 5, 6, 7])('demo model %i', (index) => {
    let deployment: { id: string; slug: string };

    it('is served through ONNX Runtime (V2 metadata says so) and answers REST as TF.js within 1e-5 on the whole reference data', async () => {
      const model = models[index]!;
      deployment = await deploy(`parity ${index}`, model.experimentId, model.id);
      const metadata = (await (await fetch(`${url}/v2/models/${deployment.slug}`, { headers: auth })).json()) as any;
      expect(metadata.platform).toBe('onnxruntime_onnx');
      const rows = apiRows(model);
      expect(rows.length).toBeGreaterThan(300);
      const { difference, labels } = worst(await tfjsAnswers(model, rows, 'strict'), await restAnswers(deployment.slug, rows));
      expect(difference).toBeLessThanOrEqual(1e-5);
      expect(labels).toBe(0);
    });

    it('answers V2 inference as TF.js within 1e-5', async () => {
      const model = models[index]!;
      const rows = apiRows(model);
      const inputs = model.spec.features.map((f) => ({ name: f.name, shape: [rows.length], datatype: 'BYTES', data: rows.map((r) => (r[f.name] === null || r[f.name] === undefined ? null : String(r[f.name]))) }));
      const response = await fetch(`${url}/v2/models/${deployment.slug}/infer`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
      const body = (await response.json()) as any;
      expect(response.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      const prediction = body.outputs.find((o: any) => o.name === 'prediction').data as Array<string | number>;
      const probabilities = body.outputs.find((o: any) => o.name === 'probabilities')?.data as number[] | undefined;
      const labels = model.spec.target.task === 'regression' ? [] : model.spec.target.labels;
      const answers = prediction.map((p, i) => ({ prediction: p, probabilities: probabilities && Object.fromEntries(labels.map((label, j) => [label, probabilities[i * labels.length + j]!])) }));
      const { difference, labels: mismatches } = worst(await tfjsAnswers(model, rows, 'strict'), answers);
      expect(difference).toBeLessThanOrEqual(1e-5);
      expect(mismatches).toBe(0);
    });

    it('runs a batch pipeline on the reference dataset whose answers are TF.js\'s within 1e-5', async () => {
      const model = models[index]!;
      // The reference data in the model's own columns: a pipeline counts a column the model does not take as a bad row.
      const target = model.spec.target;
      const columns = [target.name, ...model.spec.features.map((f) => f.name)];
      const rows = referenceRows(model.kind).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
      const dataset = (await uploadCsv(url, demo.projectId, `reference-${index}.csv`, toCsv(rows, columns), admin)).body;
      const pipeline = await graphql<{ createPipeline: { id: string } }>(
        'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }',
        { input: { deploymentId: deployment.id, name: 'Batch', sourceKind: 'dataset', sourceDatasetId: dataset.id } },
        admin,
      );
      expect(pipeline.errors).toBeUndefined();
      const started = await graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipeline.data!.createPipeline.id }, admin);
      const run = await waitFor(
        'the run to finish',
        async () => {
          const runs = (await graphql<{ pipelineRuns: any[] }>('query($p: ID!) { pipelineRuns(pipelineId: $p) { id status error rowsPredicted } }', { p: pipeline.data!.createPipeline.id }, admin)).data!.pipelineRuns;
          const found = runs.find((r) => r.id === started.data!.runPipelineNow.id);
          return found && ['succeeded', 'failed'].includes(found.status) ? found : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(run, run.error).toMatchObject({ status: 'succeeded', rowsPredicted: rows.length });
      const file = parse(await (await fetch(`${url}/api/v1/pipeline-runs/${run.id}/files/main`, { headers: auth })).text(), { columns: true }) as Array<Record<string, string>>;
      const answers = file.map((row) => ({
        prediction: target.task === 'regression' ? Number(row.prediction) : row.prediction!,
        probabilities: target.task === 'regression' ? undefined : Object.fromEntries(target.labels.map((label) => [label, Number(row[`probability_${label}`])])),
      }));
      const reference = await tfjsAnswers(model, rows, 'best_effort');
      const { difference, labels } = worst(reference, answers);
      expect(difference).toBeLessThanOrEqual(1e-5);
      expect(labels).toBe(0);
    });
  });

  describe.each([0, 4])('portable export of demo model %i', (index) => {
    let exported: { bytes: Uint8Array; json: any };

    it('downloads as one raw-feature .onnx file and its preprocessing JSON, with the model files\' access', async () => {
      const model = models[index]!;
      const onnx = await fetch(`${url}/api/v1/models/${model.id}/export.onnx`, { headers: auth });
      expect(onnx.status).toBe(200);
      expect(onnx.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.onnx"/);
      const json = await fetch(`${url}/api/v1/models/${model.id}/export.json`, { headers: auth });
      expect(json.status).toBe(200);
      exported = { bytes: new Uint8Array(await onnx.arrayBuffer()), json: await json.json() };
      expect(exported.json.spec).toEqual(model.spec);
      expect(exported.json.onnx.inputs.map((i: any) => i.feature)).toEqual(model.spec.features.map((f) => f.name));
      expect((await fetch(`${url}/api/v1/models/${model.id}/export.onnx`)).status).toBe(401);
    });

    it('answers in onnxruntime-node, fed raw features, as TF.js within 1e-5 on the whole reference data, missing values and unseen categories included', async () => {
      const model = models[index]!;
      const rows = apiRows(model);
      const contract = exported.json.contract as ModelContract;
      const session = await ort.InferenceSession.create(exported.bytes);
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const tensor of codecFor(model.spec, contract).encode(rows).batch.tensors) {
          feeds[tensor.name!] = tensor.type === 'string' ? new ort.Tensor('string', tensor.data, [rows.length, 1]) : new ort.Tensor('float32', tensor.data, [rows.length, 1]);
        }
        const out = await session.run(feeds);
        const target = model.spec.target;
        const answers: Prediction[] =
          target.task === 'regression'
            ? [...(out.value!.data as Float32Array)].map((value) => ({ prediction: value }))
            : [...(out.label!.data as string[])].map((label, i) => ({
                prediction: label,
                probabilities: Object.fromEntries(target.labels.map((l, j) => [l, (out.probabilities!.data as Float32Array)[i * target.labels.length + j]!])),
              }));
        const { difference, labels } = worst(await tfjsAnswers(model, rows, 'strict'), answers);
        expect(difference).toBeLessThanOrEqual(1e-5);
        expect(labels).toBe(0);
      } finally {
        await session.release();
      }
    });

    it('re-imports into Berth with its contract and answers as the original (round trip)', async () => {
      const model = models[index]!;
      const form = new FormData();
      form.append('files', new Blob([Buffer.from(exported.bytes)]), exported.json.onnx.file);
      const upload = (await (await fetch(`${url}/api/v1/projects/${demo.projectId}/model-uploads`, { method: 'POST', body: form, headers: auth })).json()) as any;
      expect(upload.format).toBe('onnx');
      const imported = await graphql<{ importExperimentVersion: { models: Array<{ id: string; contract: any; metrics: any }> } }>(
        'mutation($input: ImportVersionInput!) { importExperimentVersion(input: $input) { models { id contract metrics { accuracy rmse } } } }',
        {
          input: {
            experimentId: model.experimentId,
            datasetId: model.datasetId,
            modelUploadId: upload.id,
            modelName: 'round trip',
            features: model.spec.features.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable ?? true })),
            contract: exported.json.contract,
          },
        },
        admin,
      );
      expect(imported.errors).toBeUndefined();
      const importedModel = imported.data!.importExperimentVersion.models[0]!;
      expect(importedModel.contract).toEqual(exported.json.contract);
      const deployment = await deploy(`round trip ${index}`, model.experimentId, importedModel.id);
      const rows = apiRows(model);
      const { difference, labels } = worst(await tfjsAnswers(model, rows, 'strict'), await restAnswers(deployment.slug, rows));
      expect(difference).toBeLessThanOrEqual(1e-5);
      expect(labels).toBe(0);
    });
  });

  it('refuses to export an imported model, saying which files to download instead', async () => {
    const imported = (await graphql<{ experiments: any[] }>('query($p: ID!) { experiments(projectId: $p) { versions { models { id name } } } }', { p: demo.projectId }, admin)).data!.experiments
      .flatMap((e) => e.versions.flatMap((v: any) => v.models))
      .find((m: any) => m.name === 'round trip');
    const response = await fetch(`${url}/api/v1/models/${imported.id}/export.onnx`, { headers: auth });
    expect(response.status).toBe(409);
    expect(((await response.json()) as any).error).toMatch(/was imported .*Download its own files instead: .+\.onnx/);
  });
});
