import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelFile } from '../../../server/ml/artifacts';
import { ArtifactError } from '../../../server/ml/errors';
import { decodeOutputs } from '../../../server/ml/preprocessing';
import { tf } from '../../../server/ml/tensorflow';
import { predictRows } from '../../../server/ml/training';
import { TfjsModelRuntime } from '../../../server/ml/runtimes/tfjs';
import { ModelNotLoadedError } from '../../../server/ml/runtimes/model-runtime';
import { floatBatch } from '../../../server/ml/runtimes/model-runtime';
import { encode, trainPenguinModel, type PenguinModel } from '../../support/penguin-model';

const GRAPH_FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ml', 'linear-graph-model');

let penguin: PenguinModel;

beforeAll(async () => {
  penguin = await trainPenguinModel();
});
afterAll(() => penguin?.model.dispose());

const fileNamed = (files: ModelFile[], name: string) => files.find((file) => file.name === name)!;
const replacing = (name: string, bytes: Uint8Array): ModelFile[] => penguin.files.map((file) => (file.name === name ? { name, bytes } : file));

async function loadError(runtime: TfjsModelRuntime): Promise<Error> {
  const error = await runtime.load().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('the model loaded');
  return error;
}

function graphFixture(): ModelFile[] {
  return ['model.json', 'group1-shard1of1.bin'].map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(GRAPH_FIXTURE, name))) }));
}

/**
 * The fixture's graph with its input first routed through a Switch/Merge pair: control flow,
 * so only executeAsync runs it, and it awaits the control-flow ops before it reads the weights.
 */
function controlFlowGraph(): ModelFile[] {
  const [json, weights] = graphFixture();
  const modelJson = JSON.parse(new TextDecoder().decode(json.bytes));
  const nodes = modelJson.modelTopology.node as Array<Record<string, unknown> & { name: string; input?: string[] }>;
  nodes.find((node) => node.name === 'dense/MatMul')!.input = ['merge', 'dense/kernel'];
  nodes.push(
    { name: 'take', op: 'Const', attr: { dtype: { type: 'DT_BOOL' }, value: { tensor: { dtype: 'DT_BOOL', tensorShape: {} } } } },
    { name: 'switch', op: 'Switch', input: ['features', 'take'], attr: { T: { type: 'DT_FLOAT' } } },
    { name: 'merge', op: 'Merge', input: ['switch:1'], attr: { T: { type: 'DT_FLOAT' }, N: { i: '1' } } },
  );
  modelJson.weightsManifest[0].weights.push({ name: 'take', shape: [], dtype: 'bool' });
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { name: weights.name, bytes: new Uint8Array([...weights.bytes, 1]) },
  ];
}

describe('TfjsModelRuntime', () => {
  it('is not ready until loaded, serves once loaded, and frees every tensor on unload', async () => {
    const before = tf.memory().numTensors;
    const runtime = new TfjsModelRuntime(async () => penguin.files);
    expect(runtime.ready).toBe(false);
    expect([runtime.inputWidth, runtime.outputWidth, runtime.weightBytes]).toEqual([0, 0, 0]);
    await expect(runtime.predict(floatBatch(new Float32Array(0), 0))).rejects.toBeInstanceOf(ModelNotLoadedError);

    await runtime.load();
    expect(runtime.ready).toBe(true);
    expect(runtime.inputWidth).toBe(penguin.spec.inputWidth);
    expect(runtime.outputWidth).toBe(3);
    // float32 weights: exactly the bytes of weights.bin.
    expect(runtime.weightBytes).toBe(fileNamed(penguin.files, 'weights.bin').bytes.byteLength);

    const loaded = tf.memory().numTensors;
    const output = await runtime.predict(floatBatch(encode(penguin.spec, penguin.rows.slice(0, 5)), 5));
    expect(output).toHaveLength(15);
    expect(tf.memory().numTensors).toBe(loaded);

    runtime.unload();
    expect(runtime.ready).toBe(false);
    expect(runtime.weightBytes).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    await expect(runtime.predict(floatBatch(encode(penguin.spec, penguin.rows.slice(0, 1)), 1))).rejects.toThrow('the model is not loaded');
    runtime.unload();

    await runtime.load();
    expect(Array.from(await runtime.predict(floatBatch(encode(penguin.spec, penguin.rows.slice(0, 5)), 5)))).toEqual(Array.from(output));
    runtime.unload();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predicts what predictRows predicts for the same rows', async () => {
    const runtime = new TfjsModelRuntime(async () => penguin.files);
    await runtime.load();
    const rows = penguin.rows;
    const output = await runtime.predict(floatBatch(encode(penguin.spec, rows), rows.length));
    const served = decodeOutputs(penguin.spec, output, rows.length);
    const expected = predictRows(penguin.model, penguin.spec, rows);
    expect(served.map((p) => p.prediction)).toEqual(expected.map((p) => p.prediction));
    for (const [i, prediction] of served.entries()) {
      for (const [label, probability] of Object.entries(expected[i].probabilities!)) {
        expect(Math.abs(prediction.probabilities![label] - probability)).toBeLessThanOrEqual(1e-6);
      }
    }
    runtime.unload();
  });

  it('refuses input of the wrong size and answers nothing for no rows', async () => {
    const runtime = new TfjsModelRuntime(async () => penguin.files);
    await runtime.load();
    const width = runtime.inputWidth;
    await expect(runtime.predict(floatBatch(new Float32Array(width * 2 - 1), 2, width))).rejects.toThrow(`expected 2 × ${width} = ${width * 2} values, got ${width * 2 - 1}`);
    await expect(runtime.predict(floatBatch(new Float32Array(width), 1.5, width))).rejects.toBeInstanceOf(RangeError);
    expect(await runtime.predict(floatBatch(new Float32Array(0), 0))).toEqual(new Float32Array(0));
    runtime.unload();
  });

  it('reads the files once for concurrent loads', async () => {
    let reads = 0;
    const runtime = new TfjsModelRuntime(async () => {
      reads++;
      return penguin.files;
    });
    await Promise.all([runtime.load(), runtime.load(), runtime.load()]);
    await runtime.load();
    expect(reads).toBe(1);
    expect(runtime.ready).toBe(true);
    runtime.unload();
  });

  it('throws away a model unloaded while it was loading', async () => {
    const before = tf.memory().numTensors;
    const runtime = new TfjsModelRuntime(async () => penguin.files);
    const loading = runtime.load();
    runtime.unload();
    await expect(loading).rejects.toThrow('the model was unloaded before it finished loading');
    expect(runtime.ready).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    await runtime.load();
    expect(runtime.ready).toBe(true);
    runtime.unload();
  });

  describe('a corrupt artifact makes load() reject with the reason, and the runtime stays not ready', () => {
    it('model.json that is not JSON', async () => {
      const runtime = new TfjsModelRuntime(async () => replacing('model.json', new TextEncoder().encode('{"modelTopology": ')));
      const error = await loadError(runtime);
      expect(error).toBeInstanceOf(ArtifactError);
      expect(error.message).toMatch(/^model\.json: is not valid JSON/);
      expect(runtime.ready).toBe(false);
      await expect(runtime.predict(floatBatch(new Float32Array(0), 0))).rejects.toBeInstanceOf(ModelNotLoadedError);
    });

    it('model.json whose topology names a layer TF.js does not know', async () => {
      const json = new TextDecoder().decode(fileNamed(penguin.files, 'model.json').bytes).replaceAll('"Dense"', '"NoSuchLayer"');
      const runtime = new TfjsModelRuntime(async () => replacing('model.json', new TextEncoder().encode(json)));
      const error = await loadError(runtime);
      expect(error).toBeInstanceOf(ArtifactError);
      expect(error.message).toMatch(/^model\.json: could not be loaded as a TF\.js layers model: .*NoSuchLayer/);
      expect(runtime.ready).toBe(false);
    });

    it('truncated weights', async () => {
      const weights = fileNamed(penguin.files, 'weights.bin').bytes;
      const runtime = new TfjsModelRuntime(async () => replacing('weights.bin', weights.slice(0, weights.byteLength - 10)));
      const error = await loadError(runtime);
      expect(error).toBeInstanceOf(ArtifactError);
      expect(error.message).toBe(
        `weights.bin: is ${weights.byteLength - 10} bytes but model.json's weights manifest expects ${weights.byteLength} bytes (4 weights); the file is truncated or belongs to another model`,
      );
      expect(runtime.ready).toBe(false);
    });

    it('files that cannot be read', async () => {
      const runtime = new TfjsModelRuntime(async () => {
        throw new Error('artifact store: models/42/model.json does not exist');
      });
      expect((await loadError(runtime)).message).toBe('artifact store: models/42/model.json does not exist');
      expect(runtime.ready).toBe(false);
    });
  });

  it('serves a converted graph model', async () => {
    const before = tf.memory().numTensors;
    const runtime = new TfjsModelRuntime(async () => graphFixture());
    await runtime.load();
    expect([runtime.inputWidth, runtime.outputWidth, runtime.weightBytes]).toEqual([3, 1, 16]);
    // The fixture computes x · [0.5, −2, 3] + 10.
    expect(Array.from(await runtime.predict(floatBatch(Float32Array.from([1, 2, 3, 0, 0, 0, 2, 1, 0]), 3)))).toEqual([15.5, 10, 9]);
    runtime.unload();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('serves a graph model with control flow through executeAsync, and unloads it only after a prediction in flight', async () => {
    const before = tf.memory().numTensors;
    const runtime = new TfjsModelRuntime(async () => controlFlowGraph());
    await runtime.load();
    expect([runtime.inputWidth, runtime.outputWidth, runtime.weightBytes]).toEqual([3, 1, 17]);
    const loaded = tf.memory().numTensors;
    expect(Array.from(await runtime.predict(floatBatch(Float32Array.from([1, 2, 3, 0, 0, 0]), 2)))).toEqual([15.5, 10]);
    expect(tf.memory().numTensors).toBe(loaded);

    const predicting = runtime.predict(floatBatch(Float32Array.from([1, 2, 3, 0, 0, 0, 2, 1, 0]), 3));
    // The prediction is waiting inside executeAsync, before the weights are read.
    runtime.unload();
    expect(runtime.ready).toBe(false);
    expect(Array.from(await predicting)).toEqual([15.5, 10, 9]);
    // The 3 weight tensors are freed once the prediction is done.
    expect(tf.memory().numTensors).toBe(loaded - 3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
