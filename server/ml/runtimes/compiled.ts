import type { ModelFile } from '../artifacts';
import { PRODUCER_VERSION, SERVING_ONNX, servingOnnxFile } from '../onnx/export';
import { RuntimeLifecycle } from './lifecycle';
import type { ModelBatch, ModelRuntime, RuntimeDescription } from './model-runtime';
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
export class CompiledOnnxRuntime extends RuntimeLifecycle<ModelRuntime> implements ModelRuntime {
  constructor(
    private readonly files: () => Promise<ModelFile[]>,
    private readonly options: CompiledRuntimeOptions = {},
  ) {
    super();
  }

  get outputWidth(): number {
    return this.loaded?.outputWidth ?? 0;
  }

  get weightBytes(): number {
    return this.loaded?.weightBytes ?? 0;
  }

  predict(batch: ModelBatch): Promise<Float32Array> {
    return this.use((inner) => inner.predict(batch));
  }

  describe(): RuntimeDescription {
    return this.loaded?.describe() ?? { platform: 'onnxruntime_onnx', inputs: [], outputs: [], weightBytes: 0 };
  }

  /** The inner runtime keeps its own predictions safe from its unload. */
  protected release(inner: ModelRuntime): void {
    inner.unload();
  }

  protected async open(): Promise<ModelRuntime> {
    try {
      const files = await this.files();
      const compiled = files.find((f) => f.name === SERVING_ONNX) ?? (await servingOnnxFile(files, PRODUCER_VERSION));
      const runtime = new OnnxModelRuntime(async () => [compiled]);
      await runtime.load();
      return runtime;
    } catch (error) {
      if (this.options.fallback === undefined) throw error;
      this.options.onFallback?.(error);
      const runtime = this.options.fallback();
      await runtime.load();
      return runtime;
    }
  }
}
