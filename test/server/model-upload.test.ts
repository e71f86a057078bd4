import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';

const LIMIT = 100_000;

/** A one-layer TF.js layers model: Dense(units) on 3 inputs, its weights declared as `weights`. */
function modelJson(options: { units?: number; weights?: Array<{ name: string; shape: number[]; dtype: string }> } = {}): Uint8Array {
  const units = options.units ?? 2;
  const json = {
    format: 'layers-model',
    generatedBy: 'berth tests',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'tiny',
        layers: [
          {
            class_name: 'Dense',
            config: {
              name: 'dense',
              units,
              activation: 'linear',
              use_bias: true,
              kernel_initializer: { class_name: 'Zeros', config: {} },
              bias_initializer: { class_name: 'Zeros', config: {} },
              batch_input_shape: [null, 3],
              dtype: 'float32',
              trainable: true,
            },
          },
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: options.weights ?? [
          { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'dense/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

const WEIGHTS = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6, 0.5, -0.5]).buffer);

describe('model uploads', async () => {
  const { url, login, berth, graphql } = await startTestBerth({ env: { BERTH_MAX_UPLOAD_BYTES: String(LIMIT) } });
  const admin = await login(ADMIN.email, ADMIN.password);
  const projectId = (await graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "Uploads" }) { id } }', {}, admin)).data!.createProject.id;
  const dataDir = berth.config.dataDir;

  const upload = async (files: Array<{ name: string; bytes: Uint8Array }>) => {
    const form = new FormData();
    for (const file of files) form.append('files', new Blob([Buffer.from(file.bytes)]), file.name);
    const response = await fetch(`${url}/api/v1/projects/${projectId}/model-uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${admin}` } });
    return { status: response.status, body: (await response.json()) as { error?: string } & Record<string, unknown> };
  };
  /** What the route left in its temporary folder and the artifact store. */
  const leftovers = async () => ({
    temporary: await readdir(path.join(dataDir, 'uploads')).catch(() => []),
    artifacts: (await readdir(path.join(dataDir, 'artifacts'), { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).length,
  });

  it('streams the parts through temporary files and stores a valid model, leaving no temporary file', async () => {
    const result = await upload([
      { name: 'model.json', bytes: modelJson() },
      { name: 'weights.bin', bytes: WEIGHTS },
    ]);
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ format: 'layers', inputWidth: 3, outputWidth: 2, files: [{ name: 'model.json' }, { name: 'weights.bin', size: 32 }] });
    expect((await leftovers()).temporary).toEqual([]);
  });

  it('refuses a part over the upload limit with 413, and leaves nothing on disk', async () => {
    const before = await leftovers();
    const result = await upload([
      { name: 'model.json', bytes: modelJson() },
      { name: 'weights.bin', bytes: new Uint8Array(LIMIT + 50_000) },
    ]);
    expect(result.status).toBe(413);
    expect(result.body.error).toBe(`files: weights.bin is larger than the upload limit of ${LIMIT} bytes (BERTH_MAX_UPLOAD_BYTES)`);
    expect(await leftovers()).toEqual({ ...before, temporary: [] });
  });

  it('refuses weight shapes declaring far more than the uploaded bytes, before allocating them', async () => {
    const before = await leftovers();
    const cases: Array<[Array<{ name: string; shape: number[]; dtype: string }>, string]> = [
      [[{ name: 'dense/kernel', shape: [100_000, 100_000], dtype: 'float32' }], "model.json: its weights manifest declares at least 40000000000 bytes of weights in weights.bin, but 32 bytes were uploaded: the shapes are wrong or the weight files belong to another model"],
      // Strings have no fixed size, so the loader could not compare bytes: each takes at least 4.
      [[{ name: 'vocabulary', shape: [50_000_000], dtype: 'string' }], 'model.json: its weights manifest declares at least 200000000 bytes of weights in weights.bin, but 32 bytes were uploaded: the shapes are wrong or the weight files belong to another model'],
      [[{ name: 'dense/kernel', shape: [3, 1e12], dtype: 'float32' }], 'model.json: weight "dense/kernel" declares a dimension of 1000000000000, more than 100000000: the model is not one Berth can load'],
      [[{ name: 'dense/kernel', shape: [3, -2], dtype: 'float32' }], 'model.json: weight "dense/kernel" has shape [3,-2]: a shape is a list of non-negative whole numbers'],
    ];
    for (const [weights, message] of cases) {
      const result = await upload([
        { name: 'model.json', bytes: modelJson({ weights }) },
        { name: 'weights.bin', bytes: WEIGHTS },
      ]);
      expect(result.status, message).toBe(400);
      expect(result.body.error).toBe(message);
    }
    expect(await leftovers()).toEqual({ ...before, temporary: [] });
  });

  it('refuses a topology whose layers would allocate far more than its weights declare', async () => {
    const before = await leftovers();
    const result = await upload([
      { name: 'model.json', bytes: modelJson({ units: 100_000_000 }) },
      { name: 'weights.bin', bytes: WEIGHTS },
    ]);
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('model.json: layer "dense" (Dense) would allocate about 300000000 weights, but the weights manifest declares 8 in all: the topology does not match its weights');
    expect(await leftovers()).toEqual({ ...before, temporary: [] });
  });
});
