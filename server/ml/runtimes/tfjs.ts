import { ArtifactError } from '../errors';
import { loadModelFromFiles, MODEL_JSON, modelSignature, type ModelFile } from '../artifacts';
import { tf } from '../tensorflow';
import { RuntimeLifecycle } from './lifecycle';
import { checkBatch, type ModelBatch, type ModelRuntime, type RuntimeDescription, type TensorSignature } from './model-runtime';

type TfModel = tf.LayersModel | tf.GraphModel;

interface Loaded {
  model: TfModel;
  inputWidth: number;
  outputWidth: number;
  weightBytes: number;
  /** A converted graph with control flow or dynamic shapes runs only through executeAsync. */
  asyncGraph: boolean;
  graph: boolean;
}

/**
 * A TF.js layers or graph model on the backend `initTensorflow()` chose. The files are read
 * on load() (not at construction) so a registry can create runtimes cheaply and load them
 * when a deployment version becomes current.
 */
export class TfjsModelRuntime extends RuntimeLifecycle<Loaded> implements ModelRuntime {
  constructor(private readonly files: () => Promise<ModelFile[]>) {
    super();
  }

  /** Values per row the model takes (its one input is [N, inputWidth]); 0 before load(). */
  get inputWidth(): number {
    return this.loaded?.inputWidth ?? 0;
  }

  get outputWidth(): number {
    return this.loaded?.outputWidth ?? 0;
  }

  get weightBytes(): number {
    return this.loaded?.weightBytes ?? 0;
  }

  describe(): RuntimeDescription {
    const loaded = this.loaded;
    if (loaded === undefined) return { platform: 'tensorflowjs', inputs: [], outputs: [], weightBytes: 0 };
    const signature = (tensors: tf.SymbolicTensor[] | Array<{ name: string; shape?: number[]; dtype?: string }>): TensorSignature[] =>
      tensors.map((t) => ({ name: t.name, type: t.dtype ?? 'float32', shape: (t.shape ?? []).map((d) => (typeof d === 'number' ? d : -1)) }));
    return {
      platform: loaded.graph ? 'tensorflowjs_graph' : 'tensorflowjs_layers',
      inputs: signature(loaded.model.inputs as Array<{ name: string; shape?: number[]; dtype?: string }>),
      outputs: signature(loaded.model.outputs as Array<{ name: string; shape?: number[]; dtype?: string }>).map((o) => ({ ...o, shape: [-1, loaded.outputWidth] })),
      weightBytes: loaded.weightBytes,
    };
  }

  /** A TF.js model takes one float tensor [N, inputWidth]: Berth's encoding, or a raw matrix contract. */
  predict(batch: ModelBatch): Promise<Float32Array> {
    return this.use(async (loaded) => {
      checkBatch(batch);
      const rows = batch.rows;
      if (rows === 0) return new Float32Array(0);
      const [tensor, ...others] = batch.tensors;
      if (tensor === undefined || others.length > 0 || tensor.type !== 'float32') {
        throw new RangeError(`a TF.js model takes exactly one float32 input tensor; got ${batch.tensors.map((t) => `${t.name ?? '(unnamed)'} ${t.type}`).join(', ') || 'none'}`);
      }
      if (tensor.width !== loaded.inputWidth) {
        throw new RangeError(`the model takes ${loaded.inputWidth} values per row; the input has ${tensor.width}`);
      }
      const input = tensor.data;
      const output = loaded.asyncGraph ? await runAsyncGraph(loaded.model as tf.GraphModel, input, rows, loaded.inputWidth) : runSync(loaded.model, input, rows, loaded.inputWidth);
      try {
        if (output.shape.length !== 2 || output.shape[0] !== rows || output.shape[1] !== loaded.outputWidth) {
          throw new Error(`the model returned shape [${output.shape.join(', ')}] for ${rows} rows; expected [${rows}, ${loaded.outputWidth}]`);
        }
        // Synchronous backends (WASM, CPU) read at once; awaiting data() would only add a turn.
        const values = loaded.asyncGraph ? await output.data() : output.dataSync();
        return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
      } finally {
        output.dispose();
      }
    });
  }

  /** Predictions already running still read the weights (executeAsync awaits between ops): the lifecycle waits for them. */
  protected release(loaded: Loaded): void {
    loaded.model.dispose();
  }

  protected async open(): Promise<Loaded> {
    const { model, format } = await loadModelFromFiles(await this.files());
    try {
      return { ...(await inspectModel(model, format === 'graph')), graph: format === 'graph' };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
}

async function inspectModel(model: TfModel, graph: boolean): Promise<Omit<Loaded, 'graph'>> {
  const weightBytes = countWeightBytes(model);
  try {
    return { model, ...modelSignature(model), weightBytes, asyncGraph: false };
  } catch (error) {
    // modelSignature runs a graph of unknown output shape synchronously, which a graph with dynamic ops refuses.
    if (!graph || !needsExecuteAsync(error)) throw error;
  }
  const inputWidth = model.inputs[0].shape?.[1];
  if (typeof inputWidth !== 'number' || inputWidth <= 0) throw new ArtifactError(MODEL_JSON, 'the model input must have a known width: shape [batch, features]');
  const probe = await runAsyncGraph(model as tf.GraphModel, new Float32Array(inputWidth), 1, inputWidth);
  const shape = probe.shape;
  probe.dispose();
  if (shape.length !== 2 || !(shape[1] > 0)) throw new ArtifactError(MODEL_JSON, 'the model output must have shape [batch, outputs]');
  return { model, inputWidth, outputWidth: shape[1], weightBytes, asyncGraph: true };
}

function runSync(model: TfModel, input: Float32Array, rows: number, width: number): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor2d(input, [rows, width]);
    // One forward pass, without predict()'s batching loop (it would split the batch into chunks of 32 rows).
    const output = model instanceof tf.GraphModel ? model.predict(x) : model.predictOnBatch(x);
    return singleTensor(output);
  });
}

async function runAsyncGraph(model: tf.GraphModel, input: Float32Array, rows: number, width: number): Promise<tf.Tensor> {
  const x = tf.tensor2d(input, [rows, width]);
  try {
    const output = await model.predictAsync(x);
    try {
      return singleTensor(output);
    } catch (error) {
      tf.dispose(output as tf.TensorContainer);
      throw error;
    }
  } finally {
    x.dispose();
  }
}

/** The one output tensor, however the model wrapped it (a converted model may name its outputs). */
function singleTensor(output: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor {
  if (output instanceof tf.Tensor) return output;
  const tensors = Array.isArray(output) ? output : Object.values(output);
  if (tensors.length === 1) return tensors[0];
  throw new Error(`the model returned ${tensors.length} outputs; Berth serves models with exactly one`);
}

function needsExecuteAsync(error: unknown): boolean {
  return error instanceof Error && error.message.includes('executeAsync');
}

function countWeightBytes(model: TfModel): number {
  // Both return the weight tensors themselves, not copies: nothing here needs disposing.
  const weights = model instanceof tf.GraphModel ? Object.values(model.weights).flat() : model.getWeights();
  return weights.reduce((sum, tensor) => sum + tensorBytes(tensor), 0);
}

function tensorBytes(tensor: tf.Tensor): number {
  if (tensor.dtype !== 'string') return tensor.size * tf.util.bytesPerElement(tensor.dtype);
  // Rare in served models (vocabulary tables); their size is the encoded strings themselves.
  return tensor.dataSync<'string'>().reduce((sum, value) => sum + Buffer.byteLength(value), 0);
}
