import type { ModelFile } from '../artifacts';
import type { ModelContract } from './contract';
import type { ModelRuntime } from './model-runtime';
import { CompiledOnnxRuntime } from './compiled';
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
 * Which runtime serves Berth-trained models (BERTH_RUNTIME): `auto` ONNX Runtime on their
 * compiled dense layers, TF.js when that cannot load; `onnx` ONNX Runtime only (a model that
 * does not compile fails to load, saying why); `tfjs` TF.js only. Imported models always get
 * the runtime of their format; training is TF.js whatever the choice.
 */
export type RuntimePreference = 'auto' | 'tfjs' | 'onnx';

let preference: RuntimePreference = 'auto';
let fallbackListener: ((error: unknown) => void) | undefined;

/** Set once by the composition root from the configuration; `auto` until then. */
export function configureRuntimes(options: { prefer: RuntimePreference; onFallback?: (error: unknown) => void }): void {
  preference = options.prefer;
  fallbackListener = options.onFallback;
}

export function runtimePreference(): RuntimePreference {
  return preference;
}

/** Whether a model is on Berth's own encoding and decoding (what the compiled serving graph takes and gives). */
function onBerthContract(contract: ModelContract | null): boolean {
  return contract === null || (contract.input.kind === 'berth' && contract.output.kind === 'berth');
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
    case 'layers': {
      if (preference === 'tfjs' || !onBerthContract(model.contract)) return new TfjsModelRuntime(files);
      const fallback = preference === 'auto' ? () => new TfjsModelRuntime(files) : undefined;
      return new CompiledOnnxRuntime(files, { fallback, onFallback: fallbackListener });
    }
    case 'graph':
      return new TfjsModelRuntime(files);
    default:
      throw new Error(`no runtime serves models of format "${model.format}"`);
  }
}
