/**
 * What a model runtime is to Berth: one loaded model that answers batches of rows. The
 * registry (serving), the pipeline runner (batch) and imports (the reference check) all go
 * through this interface, so a new runtime is one file beside `tfjs.ts` and `onnx.ts` plus its
 * line in `index.ts`. Every implementation passes test/server/ml/runtimes/conformance.test.ts.
 */

/**
 * One input tensor of a batch: `rows` × `width` values, row-major. Float tensors hold numbers
 * (NaN for a missing value when the model imputes itself), string tensors hold categories ("" for
 * a missing one). `rank` says whether the model wants `[N]` (1, width 1 only) or `[N, width]` (2).
 */
export type InputTensor =
  | { name: string | undefined; type: 'float32'; rank: 1 | 2; width: number; data: Float32Array }
  | { name: string | undefined; type: 'string'; rank: 1 | 2; width: number; data: string[] };

/**
 * The rows of one model call, already encoded by the model's input contract
 * (server/ml/runtimes/contract.ts). Every batch of one model has the same tensors in the same
 * order, so the micro-batcher joins concurrent requests tensor by tensor. A tensor without a name
 * feeds the model's only input (Berth's own encoding).
 */
export interface ModelBatch {
  rows: number;
  tensors: InputTensor[];
}

/** One input or output as the model file declares it (V2 metadata, import checks). */
export interface TensorSignature {
  name: string;
  /** 'float32', 'string', 'int64'…; 'non-tensor' for a sequence or map (scikit-learn's ZipMap). */
  type: string;
  /** Dimensions; -1 where the model accepts any size (the batch). */
  shape: number[];
}

/** What a loaded runtime says about its model. */
export interface RuntimeDescription {
  /** The Open Inference Protocol's platform name: `tensorflowjs_layers`, `tensorflowjs_graph`, `onnxruntime_onnx`. */
  platform: string;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Bytes held by the model's weights; 0 when not loaded. */
  weightBytes: number;
}

export interface ModelRuntime {
  /** True between a successful load() and unload(); predict() rejects otherwise. */
  readonly ready: boolean;
  /**
   * Reads the files and builds the model. Concurrent calls share one load. Rejects with a
   * reason a user can act on (an `ArtifactError` naming the file at fault) on a corrupt
   * artifact; the runtime then stays not ready.
   */
  load(): Promise<void>;
  /**
   * Runs one batch and resolves to `batch.rows` × `outputWidth` values of the model's served
   * output, row-major. Rejects with `ModelNotLoadedError` when not loaded, and with a message
   * naming the tensor when the batch does not fit the model's inputs.
   */
  predict(batch: ModelBatch): Promise<Float32Array>;
  /**
   * Frees the model; idempotent. Predictions already running finish on it first (the model is
   * disposed by the last of them); later predict() calls reject. A load still running is
   * thrown away.
   */
  unload(): void;
  /** The model's platform and signature; inputs and outputs are empty before load(). */
  describe(): RuntimeDescription;
  /** Values per row of the served output; 0 before load(). */
  readonly outputWidth: number;
  /** Bytes held by the model's weights (usage monitoring); 0 when not loaded. */
  readonly weightBytes: number;
}

/** predict() was called on a runtime that is not loaded (never, not yet, or no more). */
export class ModelNotLoadedError extends Error {
  constructor() {
    super('the model is not loaded');
    this.name = 'ModelNotLoadedError';
  }
}

/** Checks a batch's own consistency: every tensor holds rows × width values. */
export function checkBatch(batch: ModelBatch): void {
  if (!Number.isInteger(batch.rows) || batch.rows < 0) throw new RangeError(`rows must be a whole number ≥ 0, got ${batch.rows}`);
  for (const tensor of batch.tensors) {
    if (tensor.data.length !== batch.rows * tensor.width) {
      throw new RangeError(`input ${tensor.name ?? '(the only one)'}: expected ${batch.rows} × ${tensor.width} = ${batch.rows * tensor.width} values, got ${tensor.data.length}`);
    }
  }
}

/** A batch of one unnamed float tensor, `rows` × `width` values: Berth's own encoding (encodeRows' output). */
export function floatBatch(data: Float32Array, rows: number, width = rows > 0 ? data.length / rows : 0): ModelBatch {
  return { rows, tensors: [{ name: undefined, type: 'float32', rank: 2, width, data }] };
}
