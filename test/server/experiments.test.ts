import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';
import { PENGUIN_FEATURES, penguinsCsv, toCsv, uploadCsv, vegaRecords } from '../support/datasets';
import { tf, initTensorflow } from '../../server/ml/tensorflow';
import { encodeRows } from '../../server/ml/preprocessing';
import { subscribe } from '../support/subscriptions';
import { waitFor } from '../support/wait';

/** Every blob file under the artifact store, to check that refused input leaves none behind. */
async function artifactFiles(dataDir: string): Promise<string[]> {
  const root = path.join(dataDir, 'artifacts');
  const files: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true }).catch(() => [])) if (entry.isFile()) files.push(entry.name);
  return files;
}

describe('experiments and the model registry', async () => {
  const { url, graphql, login, berth } = await startTestBerth({ env: { BERTH_MAX_UPLOAD_BYTES: '200000' } });
  const dataDir = berth.config.dataDir;
  const admin = await login(ADMIN.email, ADMIN.password);
  const projectId = (await graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "ML" }) { id } }', {}, admin)).data!.createProject.id;
  await graphql('mutation { createUser(input: { email: "viewer@test.berth", name: "V", password: "viewer-pass-1" }) { id } }', {}, admin);
  await graphql('mutation($p: ID!) { addCollaborator(projectId: $p, email: "viewer@test.berth", role: viewer) { role } }', { p: projectId }, admin);
  const viewer = await login('viewer@test.berth', 'viewer-pass-1');

  const createExperiment = async (name: string, task: string, targetColumn: string) =>
    (await graphql<{ createExperiment: { id: string } }>(
      'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
      { input: { projectId, name, task, targetColumn } },
      admin,
    )).data!.createExperiment.id;

  const train = (input: Record<string, unknown>, token = admin) =>
    graphql<{ trainExperimentVersion: { id: string; number: number; status: string } }>('mutation($input: TrainVersionInput!) { trainExperimentVersion(input: $input) { id number status } }', { input }, token);

  const waitForVersion = async (experimentId: string, number: number) => {
    return waitFor(`version ${number} to finish training`, async () => {
      const result = await graphql<{ experiment: { versions: any[] } }>(
        `query($id: ID!) { experiment(id: $id) { versions { id number status failureReason labels profile featureSchema { name type }
           models { id name algorithm status isBest failureReason inputWidth files metrics { accuracy logLoss macroF1 rmse r2 } } } } }`,
        { id: experimentId },
        admin,
      );
      const version = result.data?.experiment.versions.find((v) => v.number === number);
      return version && version.status !== 'training' && version;
    }, { timeoutMs: 150_000, everyMs: 250 });
  };

  const penguins = await uploadCsv(url, projectId, 'penguins.csv', penguinsCsv(), admin);
  const experimentId = await createExperiment('Penguins', 'multiclass', 'Species');

  it('uploads a CSV, counting rows and inferring column types', () => {
    expect(penguins.status).toBe(201);
    expect(penguins.body.rows).toBe(vegaRecords('penguins').filter((r) => r.Species).length);
    expect(penguins.body.columns).toEqual(['Species', ...PENGUIN_FEATURES]);
    const types = Object.fromEntries(penguins.body.inferredSchema.map((f: any) => [f.name, f.type]));
    expect(types).toMatchObject({ Island: 'categorical', 'Beak Length (mm)': 'numeric', Sex: 'categorical' });
  });

  it('trains candidate models in the background: the best penguins model reaches holdout accuracy ≥ 0.9', async () => {
    const started = await train({ experimentId, datasetId: penguins.body.id, description: 'all features' });
    expect(started.data!.trainExperimentVersion).toMatchObject({ number: 1, status: 'training' });
    const version = await waitForVersion(experimentId, 1);
    expect(version.status).toBe('ready');
    expect(version.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(version.profile.features.map((f: any) => f.name)).toEqual(PENGUIN_FEATURES);
    const ready = version.models.filter((m: any) => m.status === 'ready');
    expect(ready.length).toBeGreaterThanOrEqual(3);
    const best = version.models.filter((m: any) => m.isBest);
    expect(best).toHaveLength(1);
    expect(best[0].metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(best[0].files).toContain('model.json');
  });

  it('exports a model whose files load in TF.js and predict', async () => {
    const version = await waitForVersion(experimentId, 1);
    const best = version.models.find((m: any) => m.isBest);
    await initTensorflow();
    const model = await tf.loadLayersModel(`${url}/api/v1/models/${best.id}/files/model.json`, { requestInit: { headers: { authorization: `Bearer ${viewer}` } } });
    const output = model.predict(tf.zeros([1, best.inputWidth])) as tf.Tensor;
    expect(output.shape).toEqual([1, 3]);
    const anonymous = await fetch(`${url}/api/v1/models/${best.id}/files/model.json`);
    expect(anonymous.status).toBe(401);
  });

  it('lets viewers read but not upload or train', async () => {
    const upload = await uploadCsv(url, projectId, 'x.csv', 'a,b\n1,2\n', viewer);
    expect(upload.status).toBe(403);
    const refused = await train({ experimentId, datasetId: penguins.body.id }, viewer);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const listed = await graphql<{ experiments: Array<{ name: string }> }>('query($p: ID!) { experiments(projectId: $p) { name } }', { p: projectId }, viewer);
    expect(listed.data!.experiments.map((e) => e.name)).toEqual(['Penguins']);
  });

  describe('bad input gets a clear error and leaves nothing behind', () => {
    it.each([
      ['empty.csv', '', /empty\.csv.*empty/i],
      ['duplicate.csv', 'a,b,a\n1,2,3\n', /duplicate.*"?a"?/i],
      ['ragged.csv', 'a,b\n1,2\n3\n', /row 2/i],
      ['header-only.csv', 'a,b\n', /no data rows/i],
    ])('refuses %s naming what is wrong', async (fileName, csv, message) => {
      const before = await artifactFiles(dataDir);
      const result = await uploadCsv(url, projectId, fileName, csv, admin);
      expect(result.status).toBe(400);
      expect(result.body.error).toMatch(message);
      expect(result.body.error).toContain(fileName);
      expect(await artifactFiles(dataDir)).toEqual(before);
    });

    it('refuses a file over the upload limit with 413', async () => {
      const before = await artifactFiles(dataDir);
      const result = await uploadCsv(url, projectId, 'huge.csv', 'a,b\n' + '1,2\n'.repeat(60_000), admin);
      expect(result.status).toBe(413);
      expect(await artifactFiles(dataDir)).toEqual(before);
    });

    const refusedTraining = async (input: Record<string, unknown>, message: RegExp) => {
      const versionsBefore = (await graphql<{ experiment: { versions: unknown[] } }>('query($id: ID!) { experiment(id: $id) { versions { id } } }', { id: input.experimentId }, admin)).data!.experiment.versions.length;
      const result = await train(input);
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toMatch(message);
      const versionsAfter = (await graphql<{ experiment: { versions: unknown[] } }>('query($id: ID!) { experiment(id: $id) { versions { id } } }', { id: input.experimentId }, admin)).data!.experiment.versions.length;
      expect(versionsAfter).toBe(versionsBefore);
    };

    it('refuses a dataset without the target column', async () => {
      const other = await createExperiment('Wrong target', 'multiclass', 'Kind');
      await refusedTraining({ experimentId: other, datasetId: penguins.body.id }, /no column "Kind"/);
    });

    it('refuses a constant target', async () => {
      const rows = vegaRecords('penguins').filter((r) => r.Species === 'Adelie');
      const constant = await uploadCsv(url, projectId, 'adelie.csv', toCsv(rows, ['Species', 'Beak Length (mm)']), admin);
      await refusedTraining({ experimentId, datasetId: constant.body.id }, /Species.*same value/);
    });

    it('refuses a numeric feature that is mostly text', async () => {
      await refusedTraining({ experimentId, datasetId: penguins.body.id, features: [{ name: 'Island', type: 'numeric', nullable: true }] }, /Island/);
    });

    it('refuses too few rows for a holdout split', async () => {
      const fourOfEach = ['Adelie', 'Chinstrap', 'Gentoo'].flatMap((species) => vegaRecords('penguins').filter((r) => r.Species === species).slice(0, 4));
      const few = await uploadCsv(url, projectId, 'few.csv', toCsv(fourOfEach, ['Species', 'Beak Length (mm)']), admin);
      await refusedTraining({ experimentId, datasetId: few.body.id }, /rows/);
    });

    it('refuses an unknown feature', async () => {
      await refusedTraining({ experimentId, datasetId: penguins.body.id, features: [{ name: 'Wingspan', type: 'numeric', nullable: true }] }, /no column "Wingspan"/);
    });
  });

  describe('import of TF.js models', () => {
    const download = async (modelId: string, name: string) => {
      const response = await fetch(`${url}/api/v1/models/${modelId}/files/${name}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(response.status).toBe(200);
      return new Uint8Array(await response.arrayBuffer());
    };
    const uploadModel = async (files: Array<{ name: string; bytes: Uint8Array }>) => {
      const form = new FormData();
      for (const file of files) form.append('files', new Blob([Buffer.from(file.bytes)]), file.name);
      const response = await fetch(`${url}/api/v1/projects/${projectId}/model-uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${admin}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const importVersion = (input: Record<string, unknown>) =>
      graphql<{ importExperimentVersion: { id: string; number: number; status: string } }>(
        'mutation($input: ImportVersionInput!) { importExperimentVersion(input: $input) { id number status } }',
        { input },
        admin,
      );

    it('re-imports an exported model with the same data: same spec, identical predictions', async () => {
      const original = await waitForVersion(experimentId, 1);
      const best = original.models.find((m: any) => m.isBest);
      const upload = await uploadModel([
        { name: 'model.json', bytes: await download(best.id, 'model.json') },
        { name: 'weights.bin', bytes: await download(best.id, 'weights.bin') },
      ]);
      expect(upload.status).toBe(201);
      expect(upload.body).toMatchObject({ format: 'layers', inputWidth: best.inputWidth, outputWidth: 3 });

      const imported = await importVersion({ experimentId, datasetId: penguins.body.id, modelUploadId: upload.body.id, modelName: 'round trip' });
      expect(imported.errors).toBeUndefined();
      const version = await waitForVersion(experimentId, imported.data!.importExperimentVersion.number);
      expect(version.status).toBe('ready');
      const specs = await graphql<{ experiment: { versions: Array<{ number: number; preprocessing: any }> } }>('query($id: ID!) { experiment(id: $id) { versions { number preprocessing } } }', { id: experimentId }, admin);
      const byNumber = Object.fromEntries(specs.data!.experiment.versions.map((v) => [v.number, v.preprocessing]));
      expect(byNumber[version.number]).toEqual(byNumber[1]);
      expect(version.models[0]).toMatchObject({ name: 'round trip', algorithm: 'imported', isBest: true, status: 'ready' });
      expect(version.models[0].metrics).toEqual(best.metrics);

      await initTensorflow();
      const load = (id: string) => tf.loadLayersModel(`${url}/api/v1/models/${id}/files/model.json`, { requestInit: { headers: { authorization: `Bearer ${admin}` } } });
      const rows = vegaRecords('penguins').slice(0, 50);
      const encoded = encodeRows(byNumber[1], rows, { mode: 'best_effort' });
      const input = tf.tensor2d(encoded.data, [encoded.count, encoded.width]);
      const [a, b] = await Promise.all([load(best.id), load(version.models[0].id)]);
      const difference = tf.max(tf.abs(tf.sub(a.predict(input) as tf.Tensor, b.predict(input) as tf.Tensor))).dataSync()[0];
      expect(difference).toBeLessThanOrEqual(1e-6);
    });

    it('refuses a model.json that is not a TF.js model, naming the file, and keeps nothing', async () => {
      const before = await artifactFiles(dataDir);
      const result = await uploadModel([{ name: 'model.json', bytes: new TextEncoder().encode('{"hello": "world"}') }]);
      expect(result.status).toBe(400);
      expect(result.body.error).toMatch(/model\.json/);
      expect(await artifactFiles(dataDir)).toEqual(before);
    });

    it('refuses weights that do not match the manifest', async () => {
      const original = await waitForVersion(experimentId, 1);
      const best = original.models.find((m: any) => m.isBest);
      const weights = await download(best.id, 'weights.bin');
      const result = await uploadModel([
        { name: 'model.json', bytes: await download(best.id, 'model.json') },
        { name: 'weights.bin', bytes: weights.slice(0, weights.length - 8) },
      ]);
      expect(result.status).toBe(400);
      expect(result.body.error).toMatch(/weights\.bin/);
    });

    it('refuses a model whose input width does not match the features', async () => {
      const original = await waitForVersion(experimentId, 1);
      const best = original.models.find((m: any) => m.isBest);
      const upload = await uploadModel([
        { name: 'model.json', bytes: await download(best.id, 'model.json') },
        { name: 'weights.bin', bytes: await download(best.id, 'weights.bin') },
      ]);
      const versionsBefore = (await graphql<{ experiment: { versions: unknown[] } }>('query($id: ID!) { experiment(id: $id) { versions { id } } }', { id: experimentId }, admin)).data!.experiment.versions.length;
      const result = await importVersion({ experimentId, datasetId: penguins.body.id, modelUploadId: upload.body.id, features: [{ name: 'Beak Length (mm)', type: 'numeric', nullable: true }] });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'modelUploadId' } });
      expect(result.errors?.[0].message).toMatch(/model\.json takes \d+ inputs per row, but the 1 features encode to 1/);
      const versionsAfter = (await graphql<{ experiment: { versions: unknown[] } }>('query($id: ID!) { experiment(id: $id) { versions { id } } }', { id: experimentId }, admin)).data!.experiment.versions.length;
      expect(versionsAfter).toBe(versionsBefore);
    });
  });

  it('publishes training progress per candidate and epoch, then the final status', async () => {
    const cars = await uploadCsv(url, projectId, 'cars.csv', toCsv(vegaRecords('cars'), ['Miles_per_Gallon', 'Cylinders', 'Horsepower', 'Weight_in_lbs', 'Origin']), admin);
    const carsExperiment = await createExperiment('Cars', 'regression', 'Miles_per_Gallon');
    const started = (await train({ experimentId: carsExperiment, datasetId: cars.body.id })).data!.trainExperimentVersion;
    const progress = subscribe(url, viewer, `subscription { trainingProgress(versionId: "${started.id}") { status candidate epoch loss } }`);
    await progress.waitUntil((received) => received.some((r) => r.data?.trainingProgress.status !== 'training'), 120_000);
    await progress.client.dispose();
    expect(progress.errors).toEqual([]);
    const updates = progress.received.map((r) => r.data.trainingProgress);
    expect(updates.at(-1).status).toBe('ready');
    expect(updates.filter((u) => u.status === 'training').length).toBeGreaterThan(0);
    expect(updates.find((u) => u.status === 'training')).toMatchObject({ candidate: expect.any(String), epoch: expect.any(Number), loss: expect.any(Number) });
    const version = await waitForVersion(carsExperiment, 1);
    const best = version.models.find((m: any) => m.isBest);
    expect(best.metrics.r2).toBeGreaterThanOrEqual(0.6);
  });

  it('deletes a version with its models and their files', async () => {
    const version = await waitForVersion(experimentId, 1);
    const deleted = await graphql('mutation($id: ID!) { deleteExperimentVersion(id: $id) }', { id: version.id }, admin);
    expect(deleted.data).toEqual({ deleteExperimentVersion: true });
    const best = version.models.find((m: any) => m.isBest);
    const gone = await fetch(`${url}/api/v1/models/${best.id}/files/model.json`, { headers: { authorization: `Bearer ${admin}` } });
    expect(gone.status).toBe(404);
  });
});
