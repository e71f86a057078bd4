import { ArtifactError } from './errors';
import { initTensorflow, tf } from './tensorflow';

/**
 * TF.js model files in and out of memory: the same `model.json` + weights layout that
 * `model.save('file://…')` writes and `tf.loadLayersModel` / `tf.loadGraphModel` read, so a
 * model trained here can be downloaded and used elsewhere, and an uploaded one is checked
 * before anything serves it.
 */

/** One file of a model artifact; `name` is as referenced from model.json (no directories). */
export interface ModelFile {
  name: string;
  bytes: Uint8Array;
}

/** A Keras-style layers model (trainable, what Berth trains) or a converted TensorFlow graph. */
export type ModelFormat = 'layers' | 'graph';

/** File names Berth writes; model.json is also the name uploads must use. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

type WeightsGroup = tf.io.WeightsManifestConfig[number];

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Writes a layers model as `model.json` and one `weights.bin` shard, as model.save would. */
export async function serializeLayersModel(model: tf.LayersModel): Promise<{ files: ModelFile[] }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === undefined || saved.weightSpecs === undefined || saved.weightData === undefined) {
    throw new Error('the model did not produce its topology and weights');
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: saved.modelTopology as {},
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: saved.weightSpecs }],
  };
  if (saved.trainingConfig !== undefined) modelJson.trainingConfig = saved.trainingConfig;
  return {
    files: [
      { name: MODEL_JSON, bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
      { name: WEIGHTS_BIN, bytes: weights },
    ],
  };
}

/**
 * Loads a TF.js model from its files. Checks, naming the file at fault, that model.json is
 * there and is JSON describing a TF.js layers or graph model (Keras .h5 and SavedModel files
 * must be converted first), and that every weight shard it lists is present with the byte
 * size its manifest implies. Files may be given with directories; they are matched by name.
 */
export async function loadModelFromFiles(files: ModelFile[]): Promise<{ model: tf.LayersModel | tf.GraphModel; format: ModelFormat }> {
  const byName = new Map(files.map((file) => [baseName(file.name), file]));
  const jsonFile = byName.get(MODEL_JSON);
  if (jsonFile === undefined) {
    const names = files.map((file) => file.name).join(', ') || 'none';
    throw new ArtifactError(MODEL_JSON, `is missing: a TF.js model needs model.json and its weight files (got: ${names})`);
  }
  const modelJson = parseModelJson(jsonFile);
  const format = modelFormat(modelJson);
  const shards = checkWeights(modelJson.weightsManifest, byName);

  await initTensorflow();
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [
    manifest.flatMap((group) => group.weights),
    concatenate(shards),
  ]);
  try {
    const handler = tf.io.fromMemory(artifacts);
    const model = format === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
    return { model, format };
  } catch (error) {
    throw new ArtifactError(MODEL_JSON, `could not be loaded as a TF.js ${format} model: ${(error as Error).message}`);
  }
}

/**
 * The width of the model's one 2-D input and one 2-D output, to check against a
 * preprocessing spec. A graph model that does not declare its output shape is run once on
 * a row of zeros to find it. Throws when the model takes or gives anything else.
 */
export function modelSignature(model: tf.LayersModel | tf.GraphModel): { inputWidth: number; outputWidth: number } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ArtifactError(MODEL_JSON, `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; Berth serves models with exactly one of each`);
  }
  const inputWidth = featureWidth(model.inputs[0].shape);
  if (inputWidth === undefined) throw new ArtifactError(MODEL_JSON, 'the model input must have a known width: shape [batch, features]');
  let outputWidth = featureWidth(model.outputs[0].shape);
  if (outputWidth === undefined) {
    const output = tf.tidy(() => {
      const result = model.predict(tf.zeros([1, inputWidth]));
      if (!(result instanceof tf.Tensor)) throw new ArtifactError(MODEL_JSON, 'the model must return a single tensor');
      return result.shape;
    });
    outputWidth = featureWidth(output);
  }
  if (outputWidth === undefined) throw new ArtifactError(MODEL_JSON, 'the model output must have shape [batch, outputs]');
  return { inputWidth, outputWidth };
}

function parseModelJson(file: ModelFile): tf.io.ModelJSON {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.bytes));
  } catch (error) {
    throw new ArtifactError(file.name, `is not valid JSON (${(error as Error).message}); expected the model.json of a TF.js model`);
  }
  const json = parsed as Partial<tf.io.ModelJSON> | null;
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new ArtifactError(
      file.name,
      'is not a TF.js model: it has no modelTopology (convert Keras or SavedModel files with tensorflowjs_converter first)',
    );
  }
  if (!Array.isArray(json.weightsManifest) || !json.weightsManifest.every(isManifestGroup)) {
    throw new ArtifactError(file.name, 'has no valid weightsManifest: expected a list of { paths, weights } groups');
  }
  return json as tf.io.ModelJSON;
}

function modelFormat(json: tf.io.ModelJSON): ModelFormat {
  const topology = json.modelTopology as Record<string, unknown>;
  if (json.format === 'graph-model' || Array.isArray(topology.node)) return 'graph';
  if (json.format === undefined || json.format === 'layers-model') {
    if (typeof topology.class_name === 'string' || typeof topology.model_config === 'object') return 'layers';
  }
  throw new ArtifactError(MODEL_JSON, `has an unknown model format ${JSON.stringify(json.format ?? null)}: expected a TF.js layers-model or graph-model`);
}

/** The shards in manifest order, after checking each group's bytes against its weight specs. */
function checkWeights(manifest: tf.io.WeightsManifestConfig, byName: Map<string, ModelFile>): Uint8Array[] {
  const shards: Uint8Array[] = [];
  for (const group of manifest) {
    const groupFiles = group.paths.map((path) => {
      const file = byName.get(baseName(path));
      if (file === undefined) throw new ArtifactError(path, `is missing: model.json lists it as a weight file`);
      return file;
    });
    const expected = expectedBytes(group.weights);
    const actual = groupFiles.reduce((sum, file) => sum + file.bytes.byteLength, 0);
    if (expected !== undefined && actual !== expected) {
      const names = group.paths.join(', ');
      throw new ArtifactError(
        names,
        `${groupFiles.length > 1 ? 'are' : 'is'} ${actual} bytes but model.json's weights manifest expects ${expected} bytes (${group.weights.length} weights); the file is truncated or belongs to another model`,
      );
    }
    shards.push(...groupFiles.map((file) => file.bytes));
  }
  return shards;
}

/** Bytes a group's weights take, or undefined when a string weight makes it unknowable. */
function expectedBytes(weights: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const weight of weights) {
    const dtype = weight.quantization?.dtype ?? weight.dtype;
    const size = BYTES_PER_ELEMENT[dtype];
    if (size === undefined) return undefined;
    total += weight.shape.reduce((product, dim) => product * dim, 1) * size;
  }
  return total;
}

function isManifestGroup(group: unknown): group is WeightsGroup {
  const candidate = group as Partial<WeightsGroup> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.paths) &&
    candidate.paths.every((path) => typeof path === 'string') &&
    Array.isArray(candidate.weights) &&
    candidate.weights.every((weight) => typeof weight?.name === 'string' && Array.isArray(weight.shape) && typeof weight.dtype === 'string')
  );
}

function featureWidth(shape: readonly (number | null)[] | undefined): number | undefined {
  if (shape === undefined || shape.length !== 2) return undefined;
  const width = shape[1];
  return typeof width === 'number' && width > 0 ? width : undefined;
}

function concatenate(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.byteLength;
  }
  return buffer.buffer;
}

function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}
