import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { initTensorflow, tf } from '../../../server/ml/tensorflow';

const require = createRequire(import.meta.url);

function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('initTensorflow', () => {
  it('picks native TensorFlow when tfjs-node is installed, else the WASM backend', async () => {
    const { backend } = await initTensorflow();
    expect(backend).toBe(installed('@tensorflow/tfjs-node') ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('chooses once: later calls return the same answer without switching again', async () => {
    const first = initTensorflow();
    expect(initTensorflow()).toBe(first);
    const { backend } = await first;
    expect((await initTensorflow()).backend).toBe(backend);
  });

  it('computes on the chosen backend', async () => {
    await initTensorflow();
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await product.data())).toEqual([11]);
    product.dispose();
  });
});
