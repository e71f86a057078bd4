import * as ort from 'onnxruntime-node';
import { ArtifactError } from '../errors';
import type { ModelFile } from '../artifacts';
import { RuntimeLifecycle } from './lifecycle';
import { checkBatch, type ModelBatch, type ModelRuntime, type RuntimeDescription, type TensorSignature } from './model-runtime';

export interface OnnxRuntimeOptions {
  /** The output served (its values are what predict() returns); the model's only tensor output when omitted. */
  output?: string;
}

interface Loaded {
  session: ort.InferenceSession;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  output: string;
  /** 0 when the model leaves it symbolic: then the first answer tells. */
  outputWidth: number;
  weightBytes: number;
}

/**
 * An ONNX model on ONNX Runtime's CPU provider (`onnxruntime-node`). The session is created on
 * load() from the one `.onnx` file; predict() feeds the batch's tensors by name and fetches only
 * the served output, so a model whose other outputs ONNX Runtime cannot return to JavaScript
 * (a ZipMap's sequence of maps) still runs when the served output is a tensor.
 */
export class OnnxModelRuntime extends RuntimeLifecycle<Loaded> implements ModelRuntime {
  constructor(
    private readonly files: () => Promise<ModelFile[]>,
    private readonly options: OnnxRuntimeOptions = {},
  ) {
    super();
  }

  get outputWidth(): number {
    return this.loaded?.outputWidth ?? 0;
  }

  get weightBytes(): number {
    return this.loaded?.weightBytes ?? 0;
  }

  describe(): RuntimeDescription {
    const loaded = this.loaded;
    return { platform: 'onnxruntime_onnx', inputs: loaded?.inputs ?? [], outputs: loaded?.outputs ?? [], weightBytes: loaded?.weightBytes ?? 0 };
  }

  predict(batch: ModelBatch): Promise<Float32Array> {
    return this.use(async (loaded) => {
      checkBatch(batch);
      const rows = batch.rows;
      if (rows === 0) return new Float32Array(0);
      const feeds: Record<string, ort.Tensor> = {};
      for (const tensor of batch.tensors) {
        const name = tensor.name ?? onlyInput(loaded);
        const dims = tensor.rank === 1 ? [rows] : [rows, tensor.width];
        feeds[name] = tensor.type === 'string' ? new ort.Tensor('string', tensor.data, dims) : new ort.Tensor('float32', tensor.data, dims);
      }
      try {
        const result = await loaded.session.run(feeds, [loaded.output]);
        const output = result[loaded.output]!;
        try {
          const width = output.dims.length === 1 ? 1 : output.dims.slice(1).reduce((a, b) => a * b, 1);
          if (output.dims[0] !== rows || (loaded.outputWidth > 0 && width !== loaded.outputWidth)) {
            throw new Error(`output ${loaded.output}: the model returned shape [${output.dims.join(', ')}] for ${rows} rows; expected [${rows}, ${loaded.outputWidth || 'k'}]`);
          }
          const data = output.data;
          if (data instanceof Float32Array) return data;
          if (data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array) return Float32Array.from(data);
          if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
          throw new Error(`output ${loaded.output} holds ${output.type} values; Berth serves a numeric output (probabilities or a value)`);
        } finally {
          output.dispose();
        }
      } catch (error) {
        throw translateRunError(error);
      }
    });
  }

  /** A run in progress still uses the session's native memory: the lifecycle releases it after the last one. */
  protected release(loaded: Loaded): void {
    void loaded.session.release();
  }

  protected async open(): Promise<Loaded> {
    const files = await this.files();
    const file = files.find((f) => f.name.toLowerCase().endsWith('.onnx')) ?? files[0];
    if (file === undefined || files.length !== 1) {
      throw new ArtifactError(file?.name ?? 'model.onnx', `an ONNX model is exactly one .onnx file (with its weights inside); got ${files.length} files`);
    }
    let session: ort.InferenceSession;
    try {
      // One intra-op thread: requests run concurrently already, and the machine's cores are shared with the event loop.
      session = await ort.InferenceSession.create(file.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (error) {
      throw translateLoadError(file.name, error);
    }
    try {
      const inputs = session.inputMetadata.map(signatureOf);
      const outputs = session.outputMetadata.map(signatureOf);
      const output = this.options.output ?? defaultOutput(file.name, outputs);
      const served = outputs.find((o) => o.name === output);
      if (served === undefined) throw new ArtifactError(file.name, `the model has no output named "${output}" (its outputs: ${outputs.map((o) => o.name).join(', ')})`);
      if (served.type === 'non-tensor') throw zipMapError(file.name, output);
      return { session, inputs, outputs, output, outputWidth: widthOf(served.shape), weightBytes: file.bytes.byteLength };
    } catch (error) {
      await session.release();
      throw error;
    }
  }
}

function onlyInput(loaded: Loaded): string {
  if (loaded.inputs.length !== 1) throw new RangeError(`the model has ${loaded.inputs.length} inputs (${loaded.inputs.map((i) => i.name).join(', ')}); an unnamed tensor can only feed a model with one`);
  return loaded.inputs[0]!.name;
}

function signatureOf(metadata: ort.InferenceSession.ValueMetadata): TensorSignature {
  if (!metadata.isTensor) return { name: metadata.name, type: 'non-tensor', shape: [] };
  return { name: metadata.name, type: metadata.type, shape: metadata.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

/** Values per row of an output shape: [N] → 1, [N, k] → k, unknown → 0. */
export function widthOf(shape: number[]): number {
  if (shape.length <= 1) return 1;
  const rest = shape.slice(1);
  return rest.every((d) => d > 0) ? rest.reduce((a, b) => a * b, 1) : 0;
}

function defaultOutput(fileName: string, outputs: TensorSignature[]): string {
  const tensors = outputs.filter((o) => o.type !== 'non-tensor' && o.type !== 'string');
  if (tensors.length === 1) return tensors[0]!.name;
  if (tensors.length === 0 && outputs.some((o) => o.type === 'non-tensor')) throw zipMapError(fileName, outputs.find((o) => o.type === 'non-tensor')!.name);
  throw new ArtifactError(fileName, `the model has ${tensors.length} numeric outputs (${tensors.map((o) => o.name).join(', ')}); name the one to serve in the contract`);
}

/** ONNX Runtime cannot hand a sequence or map to JavaScript; the fix is on the exporter's side. */
export function zipMapError(fileName: string, output: string): ArtifactError {
  return new ArtifactError(
    fileName,
    `output "${output}" is not a tensor (a sequence of maps, as scikit-learn's ZipMap writes), which ONNX Runtime cannot return; ` +
      `export the model with ZipMap disabled (skl2onnx: to_onnx(model, options={id(model): {"zipmap": False}})) so the probabilities are a float tensor [N, classes]`,
  );
}

/** ONNX Runtime's load errors, said in terms of the file and what to do. */
function translateLoadError(fileName: string, error: unknown): ArtifactError {
  const message = error instanceof Error ? error.message : String(error);
  if (/protobuf parsing failed|No graph was found|model_proto|Invalid model/i.test(message)) {
    return new ArtifactError(fileName, `is not an ONNX model, or is truncated (ONNX Runtime: ${message}); upload the complete .onnx file the exporter wrote`);
  }
  const opset = /Opset (\d+) is under development|opset (\d+).*not supported|Unsupported model IR version: (\d+)/i.exec(message);
  if (opset) {
    return new ArtifactError(fileName, `uses an ONNX version this ONNX Runtime (${ort.env.versions.common}) does not support (${message}); export with an older opset, e.g. torch.onnx.export(..., opset_version=17)`);
  }
  const op = /Could not find an implementation for (\S+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (op) {
    return new ArtifactError(fileName, `node "${op[3]}" uses operator ${op[1]} (opset ${op[2]}) with input types ONNX Runtime's CPU provider does not implement; export with another opset or cast its inputs to float32`);
  }
  return new ArtifactError(fileName, `ONNX Runtime could not load the model: ${message}`);
}

function translateRunError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof RangeError) return error;
  const message = error.message;
  // Shapes and types the model refuses are the caller's contract at fault, not the server.
  const input = /input[: ]+'?"?([^'" ]+)'?"?/i.exec(message);
  if (/Unexpected input data type|Got invalid dimensions|invalid rank|input name cannot be empty|Invalid Feed Input Name/i.test(message)) {
    return new RangeError(`the model refused its input${input ? ` (${input[1]})` : ''}: ${message}`);
  }
  return error;
}

/**
 * The inputs and outputs an ONNX file declares, for an upload (the import proposes a contract
 * from them). Refuses what could never be served: a file ONNX Runtime cannot load, and outputs
 * that are not tensors (a ZipMap), which ONNX Runtime cannot return.
 */
export async function readOnnxSignature(fileName: string, bytes: Uint8Array): Promise<{ inputs: TensorSignature[]; outputs: TensorSignature[] }> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (error) {
    throw translateLoadError(fileName, error);
  }
  try {
    const inputs = session.inputMetadata.map(signatureOf);
    const outputs = session.outputMetadata.map(signatureOf);
    const notTensor = outputs.find((o) => o.type === 'non-tensor');
    if (notTensor) throw zipMapError(fileName, notTensor.name);
    const badInput = inputs.find((i) => i.type !== 'float32' && i.type !== 'string');
    if (badInput) throw new ArtifactError(fileName, `input "${badInput.name}" is ${badInput.type}; Berth feeds float32 numbers and string categories: export the model with float32 inputs`);
    return { inputs, outputs };
  } finally {
    await session.release();
  }
}
