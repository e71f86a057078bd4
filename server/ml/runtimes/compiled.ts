import type { ModelFile } from '../artifacts';
import { PRODUCER_VERSION, SERVING_ONNX, servingOnnxFile } from '../onnx/export';
import { ModelNotLoadedError, type ModelBatch, type ModelRuntime, type RuntimeDescription } from './model-runtime';
import { OnnxModelRuntime } from './onnx';

export interface CompiledRuntimeOptions {
  /** The runtime to serve with when ONNX Runtime cannot (BERTH_RUNTIME=auto); none: load() rejects (onnx). */
  fallback?: () => ModelRuntime;
  /** Told why a model fell back, for the log. */
  onFallback?: (error: unknown) => void;
}

/**
 * A Berth-trained TF.js model served by ONNX Runtime: its dense layers compiled to ONNX (the
 * `berth-serving.onnx` file cached at training, compiled from the TF.js weights on load for
 * older models), fed Berth's encoding and answering what TF.js answers, so codecs, validation
 * and decoding are the same whichever runtime serves. TF.js remains the reference (a parity test
 * holds every demo model within 1e-5) and the fallback when compiling or loading fails.
 */
export class CompiledOnnxRuntime implements ModelRuntime {
  private inner: ModelRuntime | undefined;
  private loading: Promise<void> | undefined;
  private generation = 0;

  constructor(
    private readonly files: () => Promise<ModelFile[]>,
    private readonly options: CompiledRuntimeOptions = {},
  ) {}

  get ready(): boolean {
    return this.inner?.ready ?? false;
  }

  get outputWidth(): number {
    return this.inner?.outputWidth ?? 0;
  }

  get weightBytes(): number {
    return this.inner?.weightBytes ?? 0;
  }

  load(): Promise<void> {
    if (this.inner?.ready) return Promise.resolve();
    if (this.loading === undefined) {
      const loading: Promise<void> = this.loadOnce(this.generation).finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  predict(batch: ModelBatch): Promise<Float32Array> {
    const inner = this.inner;
    if (inner === undefined) return Promise.reject(new ModelNotLoadedError());
    return inner.predict(batch);
  }

  unload(): void {
    this.generation++;
    this.loading = undefined;
    const inner = this.inner;
    this.inner = undefined;
    inner?.unload();
  }

  describe(): RuntimeDescription {
    return this.inner?.describe() ?? { platform: 'onnxruntime_onnx', inputs: [], outputs: [], weightBytes: 0 };
  }

  private async loadOnce(generation: number): Promise<void> {
    let runtime: ModelRuntime;
    try {
      const files = await this.files();
      const compiled = files.find((f) => f.name === SERVING_ONNX) ?? (await servingOnnxFile(files, PRODUCER_VERSION));
      runtime = new OnnxModelRuntime(async () => [compiled]);
      await runtime.load();
    } catch (error) {
      if (this.options.fallback === undefined) throw error;
      this.options.onFallback?.(error);
      runtime = this.options.fallback();
      await runtime.load();
    }
    if (generation !== this.generation) {
      runtime.unload();
      throw new Error('the model was unloaded before it finished loading');
    }
    this.inner = runtime;
  }
}
