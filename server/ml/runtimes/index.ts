import type { ModelFile } from '../artifacts';
import type { ModelContract } from './contract';
import type { ModelRuntime } from './model-runtime';
import { OnnxModelRuntime } from './onnx';
import { TfjsModelRuntime } from './tfjs';

export type { ModelRuntime, ModelBatch, InputTensor, RuntimeDescription, TensorSignature } from './model-runtime';
export { ModelNotLoadedError } from './model-runtime';
export { codecFor, BERTH_CONTRACT, type ModelCodec, type ModelContract, type InputContract, type OutputContract } from './contract';

/** What the factory needs to know of a model: its artifact format and the output its contract serves. */
export interface RuntimeModel {
  /** `layers` and `graph` are TF.js; `onnx` is ONNX Runtime. */
  format: string;
  contract: ModelContract | null;
}

/**
 * The runtime of a model, not loaded yet: the one place that picks a runtime from the model's
 * format (MLServer's model initialiser). Serving, batch pipelines and imports all call it, so a
 * new runtime is one file and one line here. `files` is read on load().
 */
export function runtimeFor(model: RuntimeModel, files: () => Promise<ModelFile[]>): ModelRuntime {
  switch (model.format) {
    case 'onnx': {
      const output = model.contract?.output;
      return new OnnxModelRuntime(files, { output: output && output.kind !== 'berth' ? (output.tensor ?? undefined) : undefined });
    }
    case 'layers':
    case 'graph':
      return new TfjsModelRuntime(files);
    default:
      throw new Error(`no runtime serves models of format "${model.format}"`);
  }
}
