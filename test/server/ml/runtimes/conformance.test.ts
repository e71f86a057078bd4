import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../server/ml/errors';
import { codecFor, ModelNotLoadedError, runtimeFor, type ModelRuntime } from '../../../../server/ml/runtimes';
import { BYO_DIR, BYO_MODELS, byoContract, byoExpected, byoFiles, byoSpec, worstDifference, type ByoName } from '../../../support/byo';

/**
 * Every runtime behind the ModelRuntime interface, on the same real fixtures (models made by
 * scikit-learn, PyTorch and TF.js, with each framework's own predictions): the same promises
 * hold whichever runtime a model gets from runtimeFor().
 */
const formatOf = (name: ByoName) => (name.endsWith('tfjs-raw') ? 'layers' : 'onnx');

function setUp(name: ByoName) {
  const expected = byoExpected(name);
  const contract = byoContract(name);
  const codec = codecFor(byoSpec(expected), contract);
  const files = byoFiles(name);
  const runtime = runtimeFor({ format: formatOf(name), contract }, async () => files);
  return { expected, codec, runtime, files };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe.each(BYO_MODELS)('runtime conformance: %s', (name) => {
  it('loads, describes itself, and predicts every reference row as the framework did (within 1e-5)', async () => {
    const { expected, codec, runtime } = setUp(name);
    expect(runtime.ready).toBe(false);
    await runtime.load();
    expect(runtime.ready).toBe(true);
    const description = runtime.describe();
    expect(description.platform).toBe(formatOf(name) === 'onnx' ? 'onnxruntime_onnx' : 'tensorflowjs_layers');
    expect(description.inputs.length).toBeGreaterThan(0);
    expect(runtime.weightBytes).toBeGreaterThan(0);
    const encoded = codec.encode(expected.rows, { mode: 'best_effort' });
    expect(encoded.rejected).toEqual([]);
    const predictions = codec.decode(await runtime.predict(encoded.batch), encoded.batch.rows);
    const { worst, labelMismatches } = worstDifference(expected, predictions);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(labelMismatches).toBe(0);
    runtime.unload();
  });

  it('answers nothing for no rows, and the same rows alike whether alone or in one batch', async () => {
    const { expected, codec, runtime } = setUp(name);
    await runtime.load();
    expect(await runtime.predict({ rows: 0, tensors: codec.encode([]).batch.tensors })).toEqual(new Float32Array(0));
    const rows = expected.rows.slice(0, 7);
    const together = await runtime.predict(codec.encode(rows).batch);
    const alone: number[] = [];
    for (const row of rows) alone.push(...(await runtime.predict(codec.encode([row]).batch)));
    // Kernels may vectorise a batch differently from one row: equal within float32 rounding, not bit for bit.
    expect(together).toHaveLength(alone.length);
    together.forEach((value, i) => expect(Math.abs(value - alone[i]!)).toBeLessThanOrEqual(1e-6));
    runtime.unload();
  });

  it('rejects predict() before load and after unload, and finishes a prediction running when unload() is called', async () => {
    const { expected, codec, runtime } = setUp(name);
    const batch = codec.encode(expected.rows).batch;
    expect(await rejection(runtime.predict(batch))).toBeInstanceOf(ModelNotLoadedError);
    await runtime.load();
    const running = runtime.predict(batch);
    runtime.unload();
    runtime.unload(); // idempotent
    expect(runtime.ready).toBe(false);
    expect(await running).toHaveLength(batch.rows * (expected.task === 'regression' ? 1 : expected.labels!.length));
    expect(await rejection(runtime.predict(batch))).toBeInstanceOf(ModelNotLoadedError);
    // A later load() starts afresh.
    await runtime.load();
    expect(await runtime.predict(batch)).toEqual(await running);
    runtime.unload();
  });

  it('refuses a truncated file with an error naming the file, and stays not ready', async () => {
    const { files } = setUp(name);
    const truncated = files.map((file) => (file === files[files.length - 1] ? { name: file.name, bytes: file.bytes.slice(0, Math.floor(file.bytes.length / 2)) } : file));
    const runtime = runtimeFor({ format: formatOf(name), contract: byoContract(name) }, async () => truncated);
    const error = await rejection(runtime.load());
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).file).toBe(truncated[truncated.length - 1]!.name);
    expect(runtime.ready).toBe(false);
  });
});

describe('ONNX Runtime specifics', () => {
  it('refuses a file that is not ONNX, saying so', async () => {
    const runtime = runtimeFor({ format: 'onnx', contract: null }, async () => [{ name: 'model.onnx', bytes: new TextEncoder().encode('{"not": "onnx"}') }]);
    await expect(runtime.load()).rejects.toThrow('model.onnx: is not an ONNX model, or is truncated');
  });

  it('refuses to serve a ZipMap output and says to export with ZipMap disabled', async () => {
    const files = [{ name: 'penguins.sklearn-zipmap.onnx', bytes: new Uint8Array(readFileSync(path.join(BYO_DIR, 'penguins.sklearn-zipmap.onnx'))) }];
    const runtime = runtimeFor({ format: 'onnx', contract: { input: byoContract('penguins.sklearn').input, output: { kind: 'probabilities', tensor: 'output_probability', labels: ['Adelie', 'Chinstrap', 'Gentoo'] } } }, async () => files);
    await expect(runtime.load()).rejects.toThrow(/output "output_probability" is not a tensor .* export the model with ZipMap disabled/);
  });
});
