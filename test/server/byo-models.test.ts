import { readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';
import { toCsv, uploadCsv } from '../support/datasets';
import { BYO_DIR, BYO_MODELS, byoContract, byoExpected, byoFiles, worstDifference, type ByoName } from '../support/byo';
import { waitFor } from '../support/wait';

/**
 * Bring your own model (issue 14): models made by scikit-learn, PyTorch and TF.js go from file to
 * a deployment through the same upload + import as any model, and Berth's REST, V2 and batch
 * answers match the framework's own predictions on every reference row within 1e-5.
 */
async function artifactFiles(dataDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.join(dataDir, 'artifacts'), { withFileTypes: true, recursive: true }).catch(() => [])) if (entry.isFile()) files.push(entry.name);
  return files.sort();
}

describe('bring your own model', async () => {
  const test = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', BERTH_MAX_PREDICT_ROWS: '500' } });
  const { url, graphql, login, berth } = test;
  const admin = await login(ADMIN.email, ADMIN.password);
  const projectId = (await graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "BYO" }) { id } }', {}, admin)).data!.createProject.id;
  const auth = { authorization: `Bearer ${admin}` };

  const uploadModel = async (files: Array<{ name: string; bytes: Uint8Array }>) => {
    const form = new FormData();
    for (const file of files) form.append('files', new Blob([Buffer.from(file.bytes)]), file.name);
    const response = await fetch(`${url}/api/v1/projects/${projectId}/model-uploads`, { method: 'POST', body: form, headers: auth });
    return { status: response.status, body: (await response.json()) as any };
  };
  const importVersion = (input: Record<string, unknown>) =>
    graphql<{ importExperimentVersion: { id: string; number: number; models: Array<{ id: string; format: string; contract: any; metrics: any }> } }>(
      'mutation($input: ImportVersionInput!) { importExperimentVersion(input: $input) { id number models { id format contract metrics { accuracy macroF1 rmse r2 } } } }',
      { input },
      admin,
    );
  const experiments = new Map<string, { experimentId: string; datasetId: string }>();
  /** One experiment and reference CSV per data set and task (the fixture's own reference rows). */
  const experimentFor = async (name: ByoName) => {
    const expected = byoExpected(name);
    const key = `${name.split('.')[0]}:${expected.rows.length}`;
    if (!experiments.has(key)) {
      const csv = toCsv(expected.rows as Array<Record<string, unknown>>, [expected.target, ...expected.features]);
      const dataset = (await uploadCsv(url, projectId, `${key.replace(':', '-')}.csv`, csv, admin)).body;
      const task = expected.task === 'regression' ? 'regression' : 'multiclass';
      const experimentId = (await graphql<{ createExperiment: { id: string } }>('mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }', { input: { projectId, name: key, task, targetColumn: expected.target } }, admin)).data!.createExperiment.id;
      experiments.set(key, { experimentId, datasetId: dataset.id });
    }
    return experiments.get(key)!;
  };

  describe.each(BYO_MODELS)('%s', (name) => {
    const expected = byoExpected(name);
    const features = expected.features;
    let slug: string;

    it('uploads, gets a contract proposed, imports with its contract and shows reference metrics', async () => {
      const upload = await uploadModel(byoFiles(name));
      expect(upload.status).toBe(201);
      expect(upload.body.format).toBe(name.endsWith('tfjs-raw') ? 'layers' : 'onnx');
      const { experimentId, datasetId } = await experimentFor(name);
      const proposal = await graphql<{ modelContractProposal: { signature: any; contract: any; problems: string[] } }>(
        'query($e: ID!, $d: ID!, $u: ID!) { modelContractProposal(experimentId: $e, datasetId: $d, modelUploadId: $u) { signature contract problems } }',
        { e: experimentId, d: datasetId, u: upload.body.id },
        admin,
      );
      expect(proposal.errors).toBeUndefined();
      if (name.endsWith('.sklearn')) expect(proposal.data!.modelContractProposal.contract).toEqual(byoContract(name));

      const imported = await importVersion({ experimentId, datasetId, modelUploadId: upload.body.id, modelName: name, contract: byoContract(name) });
      expect(imported.errors).toBeUndefined();
      const model = imported.data!.importExperimentVersion.models[0]!;
      expect(model.contract).toEqual(byoContract(name));
      if (expected.task === 'regression') expect(model.metrics.r2).toBeGreaterThan(0.7);
      else expect(model.metrics.accuracy).toBeGreaterThan(0.9);

      const created = await graphql<{ createDeployment: { id: string; slug: string } }>(
        'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
        { input: { projectId, name: `byo ${name}`, experimentId, mainModelId: model.id, access: 'project' } },
        admin,
      );
      expect(created.errors).toBeUndefined();
      slug = created.data!.createDeployment.slug;
      await waitFor('deployed', () => berth.services.registry.status(created.data!.createDeployment.id).deployed);
    });

    it('answers REST predictions as the framework did on every reference row (within 1e-5)', async () => {
      const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: expected.rows }) });
      const body = (await response.json()) as any;
      expect(response.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      const { worst, labelMismatches } = worstDifference(expected, body.predictions);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(labelMismatches).toBe(0);
    });

    it('answers V2 inference alike, and V2 metadata names the runtime', async () => {
      const metadata = (await (await fetch(`${url}/v2/models/${slug}`, { headers: auth })).json()) as any;
      expect(metadata.platform).toBe(name.endsWith('tfjs-raw') ? 'tensorflowjs_layers' : 'onnxruntime_onnx');
      // Each tensor's datatype as its values are (V2 checks values against the datatype): numbers FP64, text BYTES.
      const inputs = features.map((feature) => {
        const data = expected.rows.map((row) => row[feature] ?? null);
        return { name: feature, shape: [expected.rows.length], datatype: data.some((v) => typeof v === 'string') ? 'BYTES' : 'FP64', data };
      });
      const response = await fetch(`${url}/v2/models/${slug}/infer`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
      const body = (await response.json()) as any;
      expect(response.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      const prediction = body.outputs.find((o: any) => o.name === 'prediction').data;
      const probabilities = body.outputs.find((o: any) => o.name === 'probabilities')?.data;
      const labels = expected.labels ?? [];
      const predictions = prediction.map((p: string | number, i: number) => ({
        prediction: p,
        probabilities: probabilities && Object.fromEntries(labels.map((label, j) => [label, probabilities[i * labels.length + j]])),
      }));
      const { worst, labelMismatches } = worstDifference(expected, predictions);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(labelMismatches).toBe(0);
    });

    it('runs a batch pipeline whose main file holds the framework\'s answers (within 1e-5)', async () => {
      const { datasetId } = await experimentFor(name);
      const deploymentId = (await graphql<{ deployments: Array<{ id: string; slug: string }> }>('query($p: ID!) { deployments(projectId: $p) { id slug } }', { p: projectId }, admin)).data!.deployments.find((d) => d.slug === slug)!.id;
      const pipeline = await graphql<{ createPipeline: { id: string } }>(
        'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }',
        { input: { deploymentId, name: 'Batch', sourceKind: 'dataset', sourceDatasetId: datasetId } },
        admin,
      );
      expect(pipeline.errors).toBeUndefined();
      const started = await graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipeline.data!.createPipeline.id }, admin);
      const run = await waitFor('the run to finish', async () => {
        const runs = (await graphql<{ pipelineRuns: any[] }>('query($p: ID!) { pipelineRuns(pipelineId: $p) { id status error rowsPredicted } }', { p: pipeline.data!.createPipeline.id }, admin)).data!.pipelineRuns;
        const found = runs.find((r) => r.id === started.data!.runPipelineNow.id);
        return found && ['succeeded', 'failed'].includes(found.status) ? found : undefined;
      }, { timeoutMs: 60_000 });
      expect(run).toMatchObject({ status: 'succeeded', rowsPredicted: expected.rows.length });
      const file = parse(await (await fetch(`${url}/api/v1/pipeline-runs/${run.id}/files/main`, { headers: auth })).text(), { columns: true }) as Array<Record<string, string>>;
      const predictions = file.map((row) => ({
        prediction: expected.task === 'regression' ? Number(row.prediction) : row.prediction!,
        probabilities: expected.labels && Object.fromEntries(expected.labels.map((label) => [label, Number(row[`probability_${label}`])])),
      }));
      const { worst, labelMismatches } = worstDifference(expected, predictions);
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(labelMismatches).toBe(0);
    });
  });

  describe('bad models get a clear error and leave nothing behind', () => {
    const refusedUpload = async (files: Array<{ name: string; bytes: Uint8Array }>, message: RegExp) => {
      const before = await artifactFiles(berth.config.dataDir);
      const upload = await uploadModel(files);
      expect(upload.status).toBe(400);
      expect(upload.body.error).toMatch(message);
      expect(await artifactFiles(berth.config.dataDir)).toEqual(before);
    };

    it('refuses a ZipMap model, saying to export with ZipMap disabled', async () => {
      await refusedUpload([{ name: 'zipmap.onnx', bytes: new Uint8Array(readFileSync(path.join(BYO_DIR, 'penguins.sklearn-zipmap.onnx'))) }], /zipmap\.onnx: output "output_probability" is not a tensor.*ZipMap disabled/);
    });

    it('refuses a file that is not ONNX, and a truncated one', async () => {
      await refusedUpload([{ name: 'model.onnx', bytes: new TextEncoder().encode('hello, not a model') }], /model\.onnx: is not an ONNX model, or is truncated/);
      const bytes = byoFiles('penguins.pytorch')[0]!.bytes;
      await refusedUpload([{ name: 'half.onnx', bytes: bytes.slice(0, bytes.length >> 1) }], /half\.onnx: is not an ONNX model, or is truncated/);
    });

    it('refuses a contract that names a missing input or gets the output width wrong, naming it', async () => {
      const { experimentId, datasetId } = await experimentFor('penguins.sklearn');
      const versionCount = async () => (await graphql<{ experiment: { versions: unknown[] } }>('query($id: ID!) { experiment(id: $id) { versions { id } } }', { id: experimentId }, admin)).data!.experiment.versions.length;
      const before = await versionCount();
      const upload = await uploadModel(byoFiles('penguins.sklearn'));
      const contract = byoContract('penguins.sklearn');
      const wrongName = structuredClone(contract) as any;
      wrongName.input.tensors[0].tensor = 'island';
      const refused = await importVersion({ experimentId, datasetId, modelUploadId: upload.body.id, contract: wrongName });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toMatch(/the model has no input "island"/);
      const wrongType = structuredClone(contract) as any;
      wrongType.input.tensors[0].type = 'float32';
      expect((await importVersion({ experimentId, datasetId, modelUploadId: upload.body.id, contract: wrongType })).errors?.[0]?.message).toMatch(/input "Island" is string in the model; the contract feeds float32/);
      const pytorch = await uploadModel(byoFiles('penguins.pytorch'));
      const narrow = byoContract('penguins.pytorch') as any;
      narrow.input.columns.pop();
      expect((await importVersion({ experimentId, datasetId, modelUploadId: pytorch.body.id, contract: narrow })).errors?.[0]?.message).toMatch(/input "input" has shape \[-1, 9\]; the contract declares 8 columns/);
      expect(await versionCount()).toBe(before);
    });

    it('refuses a label order that makes the reference accuracy collapse, naming the better one, and imports it when told to', async () => {
      const { experimentId, datasetId } = await experimentFor('penguins.pytorch');
      const upload = await uploadModel(byoFiles('penguins.pytorch'));
      const flipped = byoContract('penguins.pytorch') as any;
      flipped.output.labels = ['Gentoo', 'Chinstrap', 'Adelie'];
      const refused = await importVersion({ experimentId, datasetId, modelUploadId: upload.body.id, contract: flipped });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toMatch(/label order Gentoo, Chinstrap, Adelie the model is right on \d+\.\d % of penguins-344\.csv; with Adelie, Chinstrap, Gentoo it would be right on (9\d|100)\.\d %/);
      const accepted = await importVersion({ experimentId, datasetId, modelUploadId: upload.body.id, contract: flipped, acceptLabelOrder: true });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data!.importExperimentVersion.models[0]!.metrics.accuracy).toBeLessThan(0.6);
    });
  });
});
