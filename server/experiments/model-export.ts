import { conflict, DomainError } from '../platform/errors';
import { compilePortableOnnx, denseLayersOf, OPSETS, PRODUCER_VERSION, SERVING_ONNX, type PortableSignature } from '../ml/onnx/export';
import type { ModelContract } from '../ml/runtimes';
import type { PreprocessingSpec } from '../ml/types';
import type { ExperimentService } from './experiment.service';
import { ModelFormat, ModelStatus, type Model } from './model.entity';

/** A Berth-trained model as one raw-feature .onnx file, with what it takes and answers. */
export interface ModelExport {
  fileName: string;
  bytes: Uint8Array;
  /** The preprocessing spec as JSON: the spec itself, the file's tensors, and the contract to import it with. */
  preprocessing: ExportedPreprocessing;
}

export interface ExportedPreprocessing {
  format: 'berth-preprocessing';
  version: 1;
  model: { id: string; name: string };
  onnx: { file: string; inputs: PortableSignature['inputs']; outputs: PortableSignature['outputs']; opsets: Record<string, number> };
  /** The contract that re-imports the .onnx file into Berth (importExperimentVersion's `contract`). */
  contract: ModelContract;
  /** Berth's preprocessing spec: what the graph computes before the model's layers. */
  spec: PreprocessingSpec;
}

/**
 * Compiles the portable export of a ready, Berth-trained model (TF.js layers on Berth's encoding).
 * Other models are refused with what to download instead: an imported model's own files are
 * already portable.
 */
export async function exportModel(experiments: ExperimentService, model: Model): Promise<ModelExport> {
  if (model.status !== ModelStatus.ready) throw conflict(`Model ${model.name} is ${model.status}; only a ready model can be exported`);
  if (model.format !== ModelFormat.layers || (model.contract !== null && model.contract.input.kind !== 'berth')) {
    const files = model.files.map((f) => f.name).join(', ');
    throw conflict(`Model ${model.name} was imported (${model.format}, its own input contract); only models on Berth's encoding compile to ONNX. Download its own files instead: ${files}`);
  }
  const version = await experiments.version(model.versionId);
  const spec = version.preprocessing;
  if (spec === null) throw conflict(`Model ${model.name}'s version has no preprocessing spec; it cannot be exported`);
  const files = await Promise.all(model.files.filter((f) => f.name !== SERVING_ONNX).map(async (f) => ({ name: f.name, bytes: await experiments.modelFile(model, f.name) })));
  let compiled;
  try {
    compiled = compilePortableOnnx(spec, await denseLayersOf(files), { modelName: model.name, producerVersion: PRODUCER_VERSION });
  } catch (error) {
    // A model Berth trained always compiles; anything else is said as the conflict it is.
    if (error instanceof DomainError) throw conflict(`Model ${model.name} cannot be exported to ONNX: ${error.message}`);
    throw error;
  }
  const fileName = `${safeName(model.name)}.onnx`;
  const { signature } = compiled;
  const contract: ModelContract = {
    input: { kind: 'features', tensors: signature.inputs.map((i) => ({ tensor: i.tensor, feature: i.feature, type: i.type, rank: 2 })) },
    output: spec.target.task === 'regression' ? { kind: 'value', tensor: signature.served } : { kind: 'probabilities', tensor: signature.served, labels: spec.target.labels },
  };
  return {
    fileName,
    bytes: compiled.bytes,
    preprocessing: {
      format: 'berth-preprocessing',
      version: 1,
      model: { id: model.id, name: model.name },
      onnx: { file: fileName, inputs: signature.inputs, outputs: signature.outputs, opsets: { ...OPSETS } },
      contract,
      spec,
    },
  };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}
