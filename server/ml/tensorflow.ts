import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/** The one TF.js instance of the process: import `tf` from here so every module shares its backend. */
export { tf };

/** Native TensorFlow (tfjs-node), WebAssembly, or plain JavaScript: fastest first. */
export type TensorflowBackend = 'tensorflow' | 'wasm' | 'cpu';

// Held in a variable so TypeScript and bundlers do not require the optional package to exist.
const NODE_BINDING = '@tensorflow/tfjs-node';

let initialized: Promise<{ backend: TensorflowBackend }> | undefined;

/**
 * Picks the fastest backend this machine can run, once per process (later calls return the
 * same promise): native TensorFlow through `@tensorflow/tfjs-node` when it is installed and
 * loads, else WebAssembly with the binaries shipped in `@tensorflow/tfjs-backend-wasm`, else
 * plain JavaScript.
 */
export function initTensorflow(): Promise<{ backend: TensorflowBackend }> {
  initialized ??= chooseBackend();
  return initialized;
}

async function chooseBackend(): Promise<{ backend: TensorflowBackend }> {
  if (await tryNative()) return { backend: 'tensorflow' };
  if (await tryWasm()) return { backend: 'wasm' };
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu' };
}

async function tryNative(): Promise<boolean> {
  try {
    // Its installer downloads libtensorflow, which some machines cannot reach: absent is normal.
    await import(/* @vite-ignore */ NODE_BINDING);
    return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The package's Node entry point sits in dist/, next to the .wasm binaries.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}${path.sep}`);
    return (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm';
  } catch {
    return false;
  }
}
