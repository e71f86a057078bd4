import { badInput } from '../platform/errors';

/**
 * Checks an uploaded TF.js model.json against the sizes of the files that came with it,
 * before anything is decoded: TF.js allocates every weight (and builds every layer, running
 * its initializers) while loading, so a model.json of a few hundred bytes declaring a
 * [100000, 100000] kernel would take the process's memory before any later check runs.
 *
 * - every weight shape is a list of non-negative whole numbers, each at most MAX_DIMENSION;
 * - each weight group declares no more bytes than its files hold (strings take at least
 *   their 4-byte length prefix each), so what is decoded is bounded by what was uploaded;
 * - for a layers model, what building each layer allocates, estimated from its size settings
 *   (units, filters, kernel_size, input_dim, output_dim…) and the width it receives, stays
 *   within what the weights manifest declares (a real model's weights are all listed there).
 *
 * `fileSizes` maps each uploaded file's base name to its size in bytes.
 */
export function checkModelUpload(modelJson: unknown, fileSizes: ReadonlyMap<string, number>): void {
  if (typeof modelJson !== 'object' || modelJson === null) return; // the loader says what is wrong
  const { weightsManifest, modelTopology } = modelJson as { weightsManifest?: unknown; modelTopology?: unknown };
  const declaredElements = checkManifest(weightsManifest, fileSizes);
  if (declaredElements !== undefined && typeof modelTopology === 'object' && modelTopology !== null) checkLayers(modelTopology, declaredElements);
}

/** No dimension of a real model comes near this; far beyond it a shape is an attack or a mistake. */
export const MAX_DIMENSION = 100_000_000;
/** What building layers may allocate beyond the declared weights (a few MB of slack for estimates). */
const ESTIMATE_SLACK_ELEMENTS = 1_000_000;
const ESTIMATE_FACTOR = 4;

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2, complex64: 8 };
/** TF.js stores each string with a 4-byte length before it. */
const MIN_STRING_BYTES = 4;

/** The number of elements the manifest declares, or undefined when it is not a list of groups (the loader refuses it). */
function checkManifest(manifest: unknown, fileSizes: ReadonlyMap<string, number>): number | undefined {
  if (!Array.isArray(manifest)) return undefined;
  let elements = 0;
  for (const group of manifest as Array<{ paths?: unknown; weights?: unknown }>) {
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) return undefined;
    let minimumBytes = 0;
    for (const weight of group.weights as Array<{ name?: unknown; shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } }>) {
      const name = typeof weight?.name === 'string' ? weight.name : '(unnamed)';
      const shape = weight?.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw badInput('model.json', `weight "${name}" has shape ${JSON.stringify(shape)}: a shape is a list of non-negative whole numbers`);
      }
      const tooBig = (shape as number[]).find((d) => d > MAX_DIMENSION);
      if (tooBig !== undefined) throw badInput('model.json', `weight "${name}" declares a dimension of ${tooBig}, more than ${MAX_DIMENSION}: the model is not one Berth can load`);
      const count = (shape as number[]).reduce((product, d) => product * d, 1);
      elements += count;
      const dtype = typeof weight.quantization?.dtype === 'string' ? weight.quantization.dtype : weight.dtype;
      minimumBytes += count * (dtype === 'string' ? MIN_STRING_BYTES : (BYTES_PER_ELEMENT[dtype as string] ?? 1));
    }
    const paths = (group.paths as unknown[]).filter((p): p is string => typeof p === 'string');
    const uploaded = paths.reduce((sum, p) => sum + (fileSizes.get(baseName(p)) ?? 0), 0);
    if (minimumBytes > uploaded) {
      throw badInput(
        'model.json',
        `its weights manifest declares at least ${minimumBytes} bytes of weights in ${paths.join(', ') || 'no file'}, but ${uploaded} bytes were uploaded: the shapes are wrong or the weight files belong to another model`,
      );
    }
  }
  return elements;
}

const SIZE_KEYS = ['units', 'filters', 'output_dim', 'depth_multiplier'] as const;

/** Walks the layer configs (nested models too) and bounds what building each would allocate. */
function checkLayers(topology: object, declaredElements: number): void {
  const budget = ESTIMATE_FACTOR * declaredElements + ESTIMATE_SLACK_ELEMENTS;
  let inputWidth = 1;
  let previousWidth = 1;
  const visit = (node: unknown, depth: number): void => {
    if (depth > 64 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const { class_name: className, config } = node as { class_name?: unknown; config?: unknown };
    if (typeof className === 'string' && typeof config === 'object' && config !== null && !Array.isArray(config)) {
      const settings = config as Record<string, unknown>;
      const layerName = typeof settings.name === 'string' ? settings.name : className;
      for (const key of ['batch_input_shape', 'batch_shape', 'input_shape', 'target_shape'] as const) {
        const shape = settings[key];
        if (!Array.isArray(shape)) continue;
        for (const d of shape) if (d !== null) dimension(layerName, key, d);
        const last = shape.at(-1);
        if (key !== 'target_shape' && typeof last === 'number') inputWidth = Math.max(inputWidth, last);
      }
      let product = 1;
      let width: number | undefined;
      for (const key of SIZE_KEYS) {
        if (settings[key] === undefined || settings[key] === null) continue;
        const value = dimension(layerName, key, settings[key]);
        product *= value;
        if (key !== 'depth_multiplier') width = value;
      }
      const kernel = settings.kernel_size;
      if (kernel !== undefined && kernel !== null) for (const d of Array.isArray(kernel) ? kernel : [kernel]) product *= dimension(layerName, 'kernel_size', d);
      if (settings.input_dim !== undefined && settings.input_dim !== null) {
        // An embedding's table is input_dim × output_dim, whatever its input's width.
        const rows = dimension(layerName, 'input_dim', settings.input_dim);
        if (className === 'Embedding') product *= rows;
        else inputWidth = Math.max(inputWidth, rows);
      }
      if (product > 1 || width !== undefined) {
        const estimate = className === 'Embedding' ? product : product * Math.max(previousWidth, inputWidth);
        if (estimate > budget) {
          throw badInput(
            'model.json',
            `layer "${layerName}" (${className}) would allocate about ${estimate} weights, but the weights manifest declares ${declaredElements} in all: the topology does not match its weights`,
          );
        }
        if (width !== undefined) previousWidth = width;
      }
    }
    for (const value of Object.values(node)) if (typeof value === 'object') visit(value, depth + 1);
  };
  visit(topology, 0);
}

function dimension(layer: string, key: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw badInput('model.json', `layer "${layer}" has ${key} ${JSON.stringify(value)}: expected a non-negative whole number`);
  if ((value as number) > MAX_DIMENSION) throw badInput('model.json', `layer "${layer}" has ${key} ${value as number}, more than ${MAX_DIMENSION}: the model is not one Berth can load`);
  return value as number;
}

export function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}
