import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { serializeLayersModel, type ModelFile } from '../../../server/ml/artifacts';
import { ArtifactError } from '../../../server/ml/errors';
import { compilePortableOnnx, compileServingOnnx, denseLayersOf } from '../../../server/ml/onnx/export';
import { encodeVarint, ProtoWriter } from '../../../server/ml/onnx/protobuf';
import { codecFor, configureRuntimes, runtimeFor, type ModelContract } from '../../../server/ml/runtimes';
import { floatBatch } from '../../../server/ml/runtimes/model-runtime';
import { trainCandidates } from '../../../server/ml/training';
import type { TargetChoice } from '../../../server/ml/preprocessing';
import type { FeatureSchema, Prediction, PreprocessingSpec, Row } from '../../../server/ml/types';
import { carSchema, cars, penguins, penguinSchema } from '../../support/datasets';

/**
 * Portable ONNX exports of Berth-trained models (issue 14, item 5): the raw-feature graph with
 * the preprocessing compiled in, and the serving graph on Berth's encoding, both answer what
 * the TF.js model answers through Berth's own encoding, on every row, including rows with
 * missing values, unseen categories and numbers too large for float32.
 */

describe('protobuf writer', () => {
  it('encodes varints as protobuf does, negatives as ten-byte two’s complement', () => {
    expect([...encodeVarint(0)]).toEqual([0]);
    expect([...encodeVarint(1)]).toEqual([1]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    expect([...encodeVarint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
  });

  it('writes tags, length-delimited fields, packed arrays and floats', () => {
    const nested = new ProtoWriter().varint(1, 150);
    const bytes = new ProtoWriter().string(2, 'testing').message(3, nested).packedVarints(4, [3, 270]).float(5, 1).finish();
    expect([...bytes]).toEqual([
      0x12, 7, ...new TextEncoder().encode('testing'),
      0x1a, 3, 0x08, 0x96, 0x01,
      0x22, 3, 3, 0x8e, 0x02,
      0x2d, 0x00, 0x00, 0x80, 0x3f,
    ]);
  });
});

interface Trained {
  spec: PreprocessingSpec;
  files: ModelFile[];
  rows: Row[];
}

async function train(rows: Row[], schema: FeatureSchema[], target: TargetChoice, hiddenUnits: number[]): Promise<Trained> {
  const result = await trainCandidates({ rows, schema, target, seed: 3, maxEpochs: 25, candidates: [{ name: 'mlp', algorithm: 'mlp', hiddenUnits, learningRate: 0.01 }] });
  const model = result.candidates[0]!.model!;
  const { files } = await serializeLayersModel(model);
  model.dispose();
  return { spec: result.spec, files, rows };
}

/** The rows plus what serving must also get right: every feature missing in turn, unseen categories, huge numbers. */
function withHardRows(rows: Row[], schema: FeatureSchema[]): Row[] {
  const hard: Row[] = [];
  for (const [i, feature] of schema.entries()) {
    const base = rows[i * 7]!;
    hard.push({ ...base, [feature.name]: null });
    hard.push({ ...base, [feature.name]: feature.type === 'categorical' ? 'never seen' : feature.type === 'numeric' ? '500' : 'maybe' });
  }
  hard.push(Object.fromEntries(schema.map((f) => [f.name, null])));
  return [...rows, ...hard];
}

async function predictThrough(trained: Trained, format: string, contract: ModelContract | null, files: ModelFile[]): Promise<Prediction[]> {
  const codec = codecFor(trained.spec, contract);
  const runtime = runtimeFor({ format, contract }, async () => files);
  await runtime.load();
  try {
    const encoded = codec.encode(trained.rows, { mode: 'best_effort' });
    expect(encoded.rejected).toEqual([]);
    return codec.decode(await runtime.predict(encoded.batch), encoded.batch.rows);
  } finally {
    runtime.unload();
  }
}

function worst(reference: Prediction[], other: Prediction[]): { difference: number; labels: number } {
  expect(other).toHaveLength(reference.length);
  let difference = 0;
  let labels = 0;
  reference.forEach((r, i) => {
    const o = other[i]!;
    // Relative beyond 1: float32 holds ~7 significant digits, whichever runtime sums the products.
    if (typeof r.prediction === 'number') difference = Math.max(difference, Math.abs(r.prediction - (o.prediction as number)) / Math.max(1, Math.abs(r.prediction)));
    else if (r.prediction !== o.prediction) labels++;
    for (const [label, p] of Object.entries(r.probabilities ?? {})) difference = Math.max(difference, Math.abs(p - o.probabilities![label]!));
  });
  return { difference, labels };
}

function portableContract(signature: ReturnType<typeof compilePortableOnnx>['signature'], spec: PreprocessingSpec): ModelContract {
  return {
    input: { kind: 'features', tensors: signature.inputs.map((i) => ({ tensor: i.tensor, feature: i.feature, type: i.type, rank: 2 })) },
    output: spec.target.task === 'regression' ? { kind: 'value', tensor: signature.served } : { kind: 'probabilities', tensor: signature.served, labels: spec.target.labels },
  };
}

const penguinsWithFlag = (): Row[] => penguins().map((row) => ({ ...row, Heavy: row['Body Mass (g)'] === null ? null : (row['Body Mass (g)'] as number) > 4200 }));

const cases: Array<[string, () => Promise<Trained>]> = [
  ['penguins multiclass', async () => train(penguins(), penguinSchema, { name: 'Species', task: 'multiclass' }, [8])],
  ['cars regression', async () => train(cars(), carSchema, { name: 'Miles_per_Gallon', task: 'regression' }, [8])],
  [
    'penguins binary with a boolean feature, no hidden layer',
    async () =>
      train(
        penguinsWithFlag().filter((r) => r.Sex === 'MALE' || r.Sex === 'FEMALE'),
        [...penguinSchema.filter((f) => f.name !== 'Sex'), { name: 'Heavy', type: 'boolean', nullable: true }],
        { name: 'Sex', task: 'binary' },
        [],
      ),
  ],
];

describe.each(cases)('ONNX export: %s', (_, make) => {
  it('the raw-feature export and the serving graph answer as TF.js on every row, hard rows included', async () => {
    const trained = await make();
    const schema = trained.spec.features.map((f) => ({ name: f.name, type: f.type, nullable: true }) as FeatureSchema);
    trained.rows = withHardRows(trained.rows, schema);
    const reference = await predictThrough(trained, 'layers', null, trained.files);
    const layers = await denseLayersOf(trained.files);

    const portable = compilePortableOnnx(trained.spec, layers, { modelName: 'test model', producerVersion: 'test' });
    const raw = await predictThrough(trained, 'onnx', portableContract(portable.signature, trained.spec), [{ name: 'model.onnx', bytes: portable.bytes }]);
    const rawWorst = worst(reference, raw);
    expect(rawWorst.difference).toBeLessThanOrEqual(1e-5);
    expect(rawWorst.labels).toBe(0);

    const serving = compileServingOnnx(layers, { producerVersion: 'test' });
    const served = await predictThrough(trained, 'onnx', null, [{ name: 'serving.onnx', bytes: serving }]);
    const servedWorst = worst(reference, served);
    expect(servedWorst.difference).toBeLessThanOrEqual(1e-5);
    expect(servedWorst.labels).toBe(0);

    // The export's own label output agrees with Berth's decoding, for users who read it directly.
    if (trained.spec.target.task !== 'regression') {
      const session = await ort.InferenceSession.create(portable.bytes);
      const feeds: Record<string, ort.Tensor> = {};
      const codec = codecFor(trained.spec, portableContract(portable.signature, trained.spec));
      for (const tensor of codec.encode(trained.rows, { mode: 'best_effort' }).batch.tensors) {
        feeds[tensor.name!] = tensor.type === 'string' ? new ort.Tensor('string', tensor.data, [tensor.data.length, 1]) : new ort.Tensor('float32', tensor.data, [tensor.data.length, 1]);
      }
      const out = await session.run(feeds);
      expect([...(out.label!.data as string[])]).toEqual(reference.map((p) => p.prediction));
      await session.release();
    }
  }, 120_000);
});

describe('ONNX export refusals', () => {
  it('names model.json when a layer cannot be compiled', async () => {
    const { tf } = await import('../../../server/ml/tensorflow');
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 1, activation: 'elu' })] });
    const { files } = await serializeLayersModel(model);
    model.dispose();
    const error = await denseLayersOf(files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as Error).message).toMatch(/model\.json.*Dropout/);
  });
});

describe('BERTH_RUNTIME for Berth-trained models', () => {
  const dropoutModel = async () => {
    const { tf } = await import('../../../server/ml/tensorflow');
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const { files } = await serializeLayersModel(model);
    model.dispose();
    return files;
  };

  it('auto serves through ONNX Runtime, and through TF.js (telling why) when the model does not compile', async () => {
    const fallbacks: unknown[] = [];
    configureRuntimes({ prefer: 'auto', onFallback: (error) => fallbacks.push(error) });
    try {
      const trained = await train(penguins(), penguinSchema, { name: 'Species', task: 'multiclass' }, [4]);
      const compiled = runtimeFor({ format: 'layers', contract: null }, async () => trained.files);
      await compiled.load();
      expect(compiled.describe().platform).toBe('onnxruntime_onnx');
      compiled.unload();
      const files = await dropoutModel();
      const fallback = runtimeFor({ format: 'layers', contract: null }, async () => files);
      await fallback.load();
      expect(fallback.describe().platform).toBe('tensorflowjs_layers');
      expect(await fallback.predict(floatBatch(new Float32Array(8), 2))).toHaveLength(4);
      expect(String(fallbacks[0])).toMatch(/model\.json: layer "dropout.*" is Dropout/);
      fallback.unload();
    } finally {
      configureRuntimes({ prefer: 'auto' });
    }
  }, 60_000);

  it('onnx refuses to load a model that does not compile, saying why; tfjs never compiles', async () => {
    const files = await dropoutModel();
    try {
      configureRuntimes({ prefer: 'onnx' });
      const strict = runtimeFor({ format: 'layers', contract: null }, async () => files);
      await expect(strict.load()).rejects.toThrow(/model\.json: layer "dropout.*" is Dropout/);
      expect(strict.ready).toBe(false);
      configureRuntimes({ prefer: 'tfjs' });
      const tfjs = runtimeFor({ format: 'layers', contract: null }, async () => files);
      await tfjs.load();
      expect(tfjs.describe().platform).toBe('tensorflowjs_layers');
      tfjs.unload();
    } finally {
      configureRuntimes({ prefer: 'auto' });
    }
  });
});
