import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromFiles, modelSignature, serializeLayersModel, type ModelFile } from '../../../server/ml/artifacts';
import { ArtifactError } from '../../../server/ml/errors';
import { tf } from '../../../server/ml/tensorflow';
import { predictRows, trainCandidates, type TrainingResult } from '../../../server/ml/training';
import { penguinSchema, penguins } from '../../support/datasets';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ml');

let trained: TrainingResult;
let model: tf.LayersModel;
let files: ModelFile[];

beforeAll(async () => {
  trained = await trainCandidates({
    rows: penguins(),
    schema: penguinSchema,
    target: { name: 'Species', task: 'multiclass' },
    seed: 5,
    maxEpochs: 30,
    candidates: [{ name: 'mlp-16', algorithm: 'mlp', hiddenUnits: [16], learningRate: 0.01 }],
  });
  model = trained.candidates[0].model!;
  files = (await serializeLayersModel(model)).files;
});
afterAll(() => model?.dispose());

const file = (name: string) => files.find((f) => f.name === name)!;
const json = () => JSON.parse(new TextDecoder().decode(file('model.json').bytes));
const withJson = (edit: (modelJson: any) => void): ModelFile[] => {
  const modelJson = json();
  edit(modelJson);
  return [{ name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) }, file('weights.bin')];
};

async function artifactError(input: ModelFile[]): Promise<ArtifactError> {
  try {
    await loadModelFromFiles(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ArtifactError);
    return error as ArtifactError;
  }
  throw new Error('the files loaded');
}

describe('serializeLayersModel', () => {
  it('writes model.json and weights.bin as model.save does', () => {
    expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    const modelJson = json();
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.modelTopology.class_name).toBe('Sequential');
    expect(modelJson.weightsManifest).toHaveLength(1);
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    // W inputs → 16 → 3: (W·16 + 16 + 16·3 + 3) float32 values.
    const width = trained.spec.inputWidth;
    expect(modelJson.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual([[width, 16], [16], [16, 3], [3]]);
    expect(file('weights.bin').bytes.byteLength).toBe((width * 16 + 16 + 16 * 3 + 3) * 4);
  });

  it('is loadable by the stock TF.js HTTP loader', async () => {
    const server: Server = createServer((request, response) => {
      const served = files.find((f) => `/${f.name}` === request.url);
      response.writeHead(served ? 200 : 404).end(served ? Buffer.from(served.bytes) : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const input = tf.ones([2, trained.spec.inputWidth]);
      const [a, b] = [model.predict(input) as tf.Tensor, loaded.predict(input) as tf.Tensor];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([input, a, b]);
      loaded.dispose();
    } finally {
      server.close();
    }
  });
});

describe('loadModelFromFiles', () => {
  it('round-trips: the loaded model predicts every penguin as the trained one does', async () => {
    const { model: loaded, format } = await loadModelFromFiles(files);
    expect(format).toBe('layers');
    const rows = penguins();
    const before = predictRows(model, trained.spec, rows);
    const after = predictRows(loaded, trained.spec, rows);
    expect(after.map((p) => p.prediction)).toEqual(before.map((p) => p.prediction));
    after.forEach((p, i) => {
      for (const label of trained.spec.target.task === 'regression' ? [] : trained.spec.target.labels) {
        expect(Math.abs(p.probabilities![label] - before[i].probabilities![label])).toBeLessThanOrEqual(1e-6);
      }
    });
    expect(modelSignature(loaded)).toEqual({ inputWidth: trained.spec.inputWidth, outputWidth: 3 });
    loaded.dispose();
  });

  it('matches files by name even when they come with folders', async () => {
    const nested = files.map((f) => ({ name: `export/penguins/${f.name}`, bytes: f.bytes }));
    const { model: loaded } = await loadModelFromFiles(nested);
    expect(modelSignature(loaded).inputWidth).toBe(trained.spec.inputWidth);
    loaded.dispose();
  });

  it('loads a TF.js graph model and finds its output width by running it', async () => {
    const dir = path.join(FIXTURES, 'linear-graph-model');
    const graphFiles = ['model.json', 'group1-shard1of1.bin'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) }));
    const { model: graph, format } = await loadModelFromFiles(graphFiles);
    expect(format).toBe('graph');
    expect(modelSignature(graph)).toEqual({ inputWidth: 3, outputWidth: 1 });
    // The fixture computes x · [0.5, −2, 3] + 10.
    const output = graph.predict(tf.tensor2d([[1, 2, 3], [0, 0, 0], [2, 1, 0]])) as tf.Tensor;
    expect(Array.from(output.dataSync())).toEqual([15.5, 10, 9]);
    output.dispose();
    graph.dispose();
  });

  describe('refuses bad uploads, naming the file', () => {
    it('no model.json', async () => {
      const error = await artifactError([file('weights.bin')]);
      expect(error.file).toBe('model.json');
      expect(error.message).toMatch(/^model\.json: is missing: .*\(got: weights\.bin\)/);
      expect(error.code).toBe('BAD_USER_INPUT');
    });

    it('a model.json that is not JSON', async () => {
      const error = await artifactError([{ name: 'model.json', bytes: new TextEncoder().encode('{"modelTopology": ') }, file('weights.bin')]);
      expect(error.message).toMatch(/^model\.json: is not valid JSON/);
    });

    it('JSON that is not a TF.js model (a Keras config)', async () => {
      const keras = { class_name: 'Sequential', config: { layers: [] }, keras_version: '2.15.0' };
      const error = await artifactError([{ name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(keras)) }]);
      expect(error.message).toMatch(/^model\.json: is not a TF\.js model: it has no modelTopology .*tensorflowjs_converter/);
    });

    it('a model.json without a weights manifest', async () => {
      const error = await artifactError(withJson((m) => delete m.weightsManifest));
      expect(error.message).toMatch(/^model\.json: has no valid weightsManifest/);
    });

    it('a weight shard that is missing', async () => {
      const error = await artifactError([file('model.json')]);
      expect(error.file).toBe('weights.bin');
      expect(error.message).toMatch(/^weights\.bin: is missing: model\.json lists it/);
    });

    it('a truncated weight shard', async () => {
      const bytes = file('weights.bin').bytes;
      const error = await artifactError([file('model.json'), { name: 'weights.bin', bytes: bytes.slice(0, bytes.byteLength - 4) }]);
      expect(error.file).toBe('weights.bin');
      expect(error.message).toBe(
        `weights.bin: is ${bytes.byteLength - 4} bytes but model.json's weights manifest expects ${bytes.byteLength} bytes (4 weights); the file is truncated or belongs to another model`,
      );
    });

    it('a manifest that names another shard', async () => {
      const error = await artifactError(withJson((m) => (m.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'])));
      expect(error.message).toMatch(/^group1-shard1of2\.bin: is missing/);
    });

    it('an unknown model format', async () => {
      const error = await artifactError(withJson((m) => (m.format = 'onnx')));
      expect(error.message).toMatch(/^model\.json: has an unknown model format "onnx"/);
    });

    it('a topology TF.js cannot build', async () => {
      const error = await artifactError(withJson((m) => (m.modelTopology.config.layers[0].class_name = 'NoSuchLayer')));
      expect(error.message).toMatch(/^model\.json: could not be loaded as a TF\.js layers model: .*NoSuchLayer/);
    });
  });
});
