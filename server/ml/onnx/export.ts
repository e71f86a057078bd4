import { ArtifactError } from '../errors';
import { loadModelFromFiles, MODEL_JSON, type ModelFile } from '../artifacts';
import { featureWidth } from '../preprocessing';
import { tf } from '../tensorflow';
import type { EncodedFeature, PreprocessingSpec } from '../types';
import { DataType, GraphBuilder, type Constant } from './graph';

/**
 * Berth-trained models as ONNX, with the operators every ONNX runtime implements:
 *
 * - the portable export (`compilePortableOnnx`): one input per feature, raw values — float [N, 1]
 *   for numbers and booleans (NaN when missing), string [N, 1] for categories ("" when missing) —
 *   with Berth's preprocessing compiled into the graph (imputation with Where/IsNaN, z-scores with
 *   Sub/Div on the training statistics, one-hot with ai.onnx.ml LabelEncoder + Equal, the unknown
 *   slot included), then the dense layers (MatMul/Add + activations) read from the TF.js weights,
 *   and outputs on the user's scale: `probabilities` [N, C] in label order and `label` [N] for
 *   classification, `value` [N, 1] for regression. It runs anywhere ONNX runs.
 * - the serving graph (`compileServingOnnx`): the dense layers alone, fed Berth's own encoding
 *   (the codec's tensor) and answering what the TF.js model answers, so ONNX Runtime can serve a
 *   model in TF.js's place with the same validation, encoding and decoding around it.
 */

export const OPSETS = { '': 17, 'ai.onnx.ml': 3 } as const;

/** Written into compiled files (ModelProto.producer_version). */
export const PRODUCER_VERSION = '0.1.0';

/** One fully connected layer of a Berth-trained model: y = activation(x · kernel + bias). */
export interface DenseLayer {
  inputs: number;
  units: number;
  /** [inputs, units], row-major (TF.js's layout). */
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'linear' | 'relu' | 'sigmoid' | 'softmax' | 'tanh';
}

const ACTIVATIONS = new Set<DenseLayer['activation']>(['linear', 'relu', 'sigmoid', 'softmax', 'tanh']);

/**
 * The dense layers of a TF.js layers model, in order. Refuses, naming model.json, any model that
 * is not a stack of Dense layers with those activations (what Berth trains): compiling other
 * layers is not implemented, and the TF.js runtime keeps serving such a model.
 */
export async function denseLayersOf(files: ModelFile[]): Promise<DenseLayer[]> {
  const { model, format } = await loadModelFromFiles(files);
  try {
    if (format !== 'layers') throw new ArtifactError(MODEL_JSON, 'is a TF.js graph model; only layers models trained by Berth compile to ONNX');
    const layersModel = model as tf.LayersModel;
    const layers: DenseLayer[] = [];
    for (const layer of layersModel.layers) {
      const kind = layer.getClassName();
      if (kind === 'InputLayer') continue;
      if (kind !== 'Dense') throw new ArtifactError(MODEL_JSON, `layer "${layer.name}" is ${kind}; only stacks of Dense layers (what Berth trains) compile to ONNX`);
      const config = layer.getConfig() as { activation?: string; useBias?: boolean };
      const activation = (config.activation ?? 'linear') as DenseLayer['activation'];
      if (!ACTIVATIONS.has(activation)) throw new ArtifactError(MODEL_JSON, `layer "${layer.name}" uses activation ${activation}; ONNX compilation knows ${[...ACTIVATIONS].join(', ')}`);
      const [kernel, bias] = layer.getWeights();
      if (kernel === undefined || kernel.shape.length !== 2) throw new ArtifactError(MODEL_JSON, `layer "${layer.name}" has no 2-D kernel`);
      const [inputs, units] = kernel.shape as [number, number];
      if (layers.length > 0 && layers[layers.length - 1]!.units !== inputs) throw new ArtifactError(MODEL_JSON, `layer "${layer.name}" takes ${inputs} values but the layer before gives ${layers[layers.length - 1]!.units}`);
      layers.push({ inputs, units, kernel: kernel.dataSync() as Float32Array, bias: bias === undefined ? new Float32Array(units) : (bias.dataSync() as Float32Array), activation });
    }
    if (layers.length === 0) throw new ArtifactError(MODEL_JSON, 'the model has no layers');
    return layers;
  } finally {
    model.dispose();
  }
}

export interface ServingGraphOptions {
  producerVersion: string;
}

/** The dense layers on Berth's encoding: input `input` [N, inputWidth], output `output` as the TF.js model answers. */
export function compileServingOnnx(layers: DenseLayer[], options: ServingGraphOptions): Uint8Array {
  const graph = new GraphBuilder();
  const input = graph.input({ name: 'input', type: DataType.FLOAT, shape: ['N', layers[0]!.inputs], doc: "Berth's encoding of the rows (preprocessing spec)" });
  const output = denseStack(graph, input, layers);
  graph.output(output, { name: 'output', type: DataType.FLOAT, shape: ['N', layers[layers.length - 1]!.units] });
  return graph.model({
    graphName: 'berth_serving',
    doc: "A Berth-trained model's dense layers, fed Berth's encoding; compiled from its TF.js weights to be served by ONNX Runtime.",
    producerVersion: options.producerVersion,
    opsets: { '': OPSETS[''] },
    metadata: {},
  });
}

/** The tensors of a portable export, for its preprocessing JSON and Berth's import contract. */
export interface PortableSignature {
  inputs: Array<{ tensor: string; feature: string; type: 'float32' | 'string'; shape: [-1, 1] }>;
  outputs: Array<{ tensor: string; type: 'float32' | 'string'; shape: number[]; meaning: string }>;
  /** The output Berth serves on re-import: `probabilities` or `value`. */
  served: string;
}

export interface PortableGraphOptions extends ServingGraphOptions {
  modelName: string;
}

/**
 * The raw-feature export of a model with its preprocessing spec (see the module comment). The
 * graph's inputs are named like the features; outputs are renamed `berth_…` only when a feature
 * already has their name.
 */
export function compilePortableOnnx(spec: PreprocessingSpec, layers: DenseLayer[], options: PortableGraphOptions): { bytes: Uint8Array; signature: PortableSignature } {
  if (layers[0]!.inputs !== spec.inputWidth) {
    throw new ArtifactError(MODEL_JSON, `the model takes ${layers[0]!.inputs} values per row but its preprocessing spec encodes ${spec.inputWidth}`);
  }
  const graph = new GraphBuilder();
  const signature: PortableSignature = { inputs: [], outputs: [], served: '' };
  const taken = new Set(spec.features.map((f) => f.name));
  const outputName = (name: string) => (taken.has(name) ? `berth_${name}` : name);

  const blocks = spec.features.map((feature) => {
    const type = feature.type === 'categorical' ? 'string' : 'float32';
    const input = graph.input({ name: feature.name, type: type === 'string' ? DataType.STRING : DataType.FLOAT, shape: ['N', 1], doc: inputDoc(feature) });
    signature.inputs.push({ tensor: input, feature: feature.name, type, shape: [-1, 1] });
    return encodeFeature(graph, feature, input);
  });
  const encoded = blocks.length === 1 ? blocks[0]! : graph.op('Concat', blocks, [{ name: 'axis', int: 1 }]);
  const raw = denseStack(graph, encoded, layers);

  const target = spec.target;
  const last = layers[layers.length - 1]!;
  if (target.task === 'regression') {
    if (last.units !== 1) throw new ArtifactError(MODEL_JSON, `a regression model must output 1 value per row; this one outputs ${last.units}`);
    // On the target's own scale, in double like Berth's decoding, rounded to float once at the end.
    const wide = graph.op('Cast', [raw], [{ name: 'to', int: DataType.DOUBLE }]);
    const scaled = graph.op('Mul', [wide, graph.constant('target_std', { type: DataType.DOUBLE, dims: [1], values: [target.std] })]);
    const shifted = graph.op('Add', [scaled, graph.constant('target_mean', { type: DataType.DOUBLE, dims: [1], values: [target.mean] })]);
    const value = graph.op('Cast', [shifted], [{ name: 'to', int: DataType.FLOAT }]);
    const name = outputName('value');
    graph.output(value, { name, type: DataType.FLOAT, shape: ['N', 1], doc: `the predicted ${target.name}` });
    signature.outputs.push({ tensor: name, type: 'float32', shape: [-1, 1], meaning: `the predicted ${target.name}` });
    signature.served = name;
  } else {
    const classes = target.labels.length;
    let probabilities = raw;
    if (target.task === 'binary' && last.units === 1) {
      // One sigmoid unit is P(labels[1]); the export gives both columns, as classifiers usually do.
      const complement = graph.op('Sub', [graph.constant('one', { type: DataType.FLOAT, dims: [1], values: [1] }), raw]);
      probabilities = graph.op('Concat', [complement, raw], [{ name: 'axis', int: 1 }]);
    } else if (last.units !== classes) {
      throw new ArtifactError(MODEL_JSON, `the model outputs ${last.units} values per row but the target has ${classes} labels`);
    }
    const probabilitiesName = outputName('probabilities');
    graph.output(probabilities, { name: probabilitiesName, type: DataType.FLOAT, shape: ['N', classes], doc: `probabilities of ${target.labels.join(', ')}, in that order` });
    // The most probable label, the first on a tie (ArgMax's default), as Berth's decoding picks it.
    const best = graph.op('ArgMax', [probabilities], [{ name: 'axis', int: 1 }, { name: 'keepdims', int: 0 }]);
    const label = graph.op(
      'LabelEncoder',
      [best],
      [
        { name: 'keys_int64s', ints: target.labels.map((_, i) => i) },
        { name: 'values_strings', strings: target.labels },
        { name: 'default_string', string: '' },
      ],
      'ai.onnx.ml',
    );
    const labelName = outputName('label');
    graph.output(label, { name: labelName, type: DataType.STRING, shape: ['N'], doc: 'the most probable label' });
    signature.outputs.push({ tensor: probabilitiesName, type: 'float32', shape: [-1, classes], meaning: `probabilities of ${target.labels.join(', ')}, in that order` });
    signature.outputs.push({ tensor: labelName, type: 'string', shape: [-1], meaning: 'the most probable label' });
    signature.served = probabilitiesName;
  }

  const bytes = graph.model({
    graphName: options.modelName.replace(/[^A-Za-z0-9_]/g, '_') || 'berth_model',
    doc:
      `Berth model "${options.modelName}" with its preprocessing compiled in: one input per feature (float [N,1] for numbers and booleans, NaN when missing; ` +
      'string [N,1] for categories, "" when missing, matched exactly: trim spaces first).',
    producerVersion: options.producerVersion,
    opsets: { ...OPSETS },
    metadata: { 'berth.target': target.name, 'berth.task': target.task, ...(target.task === 'regression' ? {} : { 'berth.labels': JSON.stringify(target.labels) }) },
  });
  return { bytes, signature };
}

function inputDoc(feature: EncodedFeature): string {
  if (feature.type === 'numeric') return `number; NaN when missing (imputed with the training median ${feature.median})`;
  if (feature.type === 'boolean') return `0 or 1; NaN when missing (imputed with ${feature.fill})`;
  return `category; "" when missing; one of ${feature.vocabulary.length} learned categories, any other is "unknown"`;
}

/** One feature's slots of Berth's encoding, [N, featureWidth(feature)] float, from its raw input. */
function encodeFeature(graph: GraphBuilder, feature: EncodedFeature, input: string): string {
  if (feature.type === 'numeric') {
    // In double like Berth's encoder ((x − mean) / std, then rounded to float32); NaN or an
    // infinity (a number too large for float32) is missing and gets the training median.
    const wide = graph.op('Cast', [input], [{ name: 'to', int: DataType.DOUBLE }]);
    const bad = graph.op('Or', [graph.op('IsNaN', [wide]), graph.op('IsInf', [wide])]);
    const filled = graph.op('Where', [bad, graph.constant(`${feature.name}_median`, double(feature.median)), wide]);
    const centred = graph.op('Sub', [filled, graph.constant(`${feature.name}_mean`, double(feature.mean))]);
    const scaled = graph.op('Div', [centred, graph.constant(`${feature.name}_std`, double(feature.std))]);
    return graph.op('Cast', [scaled], [{ name: 'to', int: DataType.FLOAT }]);
  }
  if (feature.type === 'boolean') {
    const bad = graph.op('IsNaN', [input]);
    return graph.op('Where', [bad, graph.constant(`${feature.name}_fill`, { type: DataType.FLOAT, dims: [1], values: [feature.fill] }), input]);
  }
  // Category → slot: the vocabulary's position, `size` (the unknown slot) for anything else, and
  // size + 1 for "" (missing), which matches no slot, so a missing value is all zeros as in Berth.
  const size = feature.vocabulary.length;
  const slot = graph.op(
    'LabelEncoder',
    [input],
    [
      { name: 'keys_strings', strings: [...feature.vocabulary, ''] },
      { name: 'values_int64s', ints: [...feature.vocabulary.map((_, i) => i), size + 1] },
      { name: 'default_int64', int: size },
    ],
    'ai.onnx.ml',
  );
  const slots = graph.constant(`${feature.name}_slots`, { type: DataType.INT64, dims: [1, featureWidth(feature)], values: Array.from({ length: size + 1 }, (_, i) => i) });
  return graph.op('Cast', [graph.op('Equal', [slot, slots])], [{ name: 'to', int: DataType.FLOAT }]);
}

function double(value: number): Constant {
  return { type: DataType.DOUBLE, dims: [1], values: [value] };
}

function denseStack(graph: GraphBuilder, input: string, layers: DenseLayer[]): string {
  let x = input;
  layers.forEach((layer, i) => {
    const kernel = graph.constant(`dense${i}_kernel`, { type: DataType.FLOAT, dims: [layer.inputs, layer.units], values: layer.kernel });
    const bias = graph.constant(`dense${i}_bias`, { type: DataType.FLOAT, dims: [layer.units], values: layer.bias });
    x = graph.op('Add', [graph.op('MatMul', [x, kernel]), bias]);
    if (layer.activation === 'relu') x = graph.op('Relu', [x]);
    else if (layer.activation === 'sigmoid') x = graph.op('Sigmoid', [x]);
    else if (layer.activation === 'tanh') x = graph.op('Tanh', [x]);
    else if (layer.activation === 'softmax') x = graph.op('Softmax', [x], [{ name: 'axis', int: -1 }]);
  });
  return x;
}

/** The serving graph's file name among a model's files (cached at training, compiled on load otherwise). */
export const SERVING_ONNX = 'berth-serving.onnx';

/** The serving graph of a TF.js layers model's files, as one more file of the model. */
export async function servingOnnxFile(files: ModelFile[], producerVersion: string): Promise<ModelFile> {
  return { name: SERVING_ONNX, bytes: compileServingOnnx(await denseLayersOf(files), { producerVersion }) };
}
