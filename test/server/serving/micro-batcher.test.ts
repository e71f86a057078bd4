import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../../server/serving/micro-batcher';
import { TfjsModelRuntime } from '../../../server/ml/runtimes/tfjs';
import { ModelNotLoadedError, type ModelRuntime } from '../../../server/ml/runtimes/model-runtime';
import { floatBatch } from '../../../server/ml/runtimes/model-runtime';
import { encode, trainPenguinModel, type PenguinModel } from '../../support/penguin-model';

let penguin: PenguinModel;
let runtime: TfjsModelRuntime;
/** Each row's output from a model call of its own: what batching must reproduce. */
let alone: Float32Array[];

beforeAll(async () => {
  penguin = await trainPenguinModel();
  runtime = new TfjsModelRuntime(async () => penguin.files);
  await runtime.load();
  alone = [];
  for (const row of penguin.rows.slice(0, 60)) alone.push(await runtime.predict(floatBatch(encode(penguin.spec, [row]), 1)));
});
afterAll(() => {
  runtime?.unload();
  penguin?.model.dispose();
});

/** The real runtime, with a record of the row count of every model call it received. */
function recording(inner: ModelRuntime): ModelRuntime & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    get ready() {
      return inner.ready;
    },
    get outputWidth() {
      return inner.outputWidth;
    },
    get weightBytes() {
      return inner.weightBytes;
    },
    load: () => inner.load(),
    unload: () => inner.unload(),
    describe: () => inner.describe(),
    predict: (batch) => {
      calls.push(batch.rows);
      return inner.predict(batch);
    },
  };
}

/** Row `first` onwards, `count` of them, encoded. */
const input = (first: number, count: number) => encode(penguin.spec, penguin.rows.slice(first, first + count));

function expectOutputsOf(output: Float32Array, first: number, count: number): void {
  const expected = alone.slice(first, first + count).flatMap((values) => Array.from(values));
  expect(output).toHaveLength(expected.length);
  output.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(1e-6));
}

describe('MicroBatcher', () => {
  it('answers 50 concurrent single-row calls with one model call, each caller getting its own rows', async () => {
    const model = recording(runtime);
    const batcher = new MicroBatcher(model);
    const outputs = await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.predict(floatBatch(input(i, 1), 1))));
    expect(model.calls).toEqual([50]);
    expect(batcher.counters).toEqual({ calls: 50, batches: 1, rows: 50 });
    outputs.forEach((output, i) => expectOutputsOf(output, i, 1));
  });

  it('caps a batch at maxRows and splits calls of different sizes back correctly', async () => {
    const model = recording(runtime);
    const batcher = new MicroBatcher(model, { maxRows: 8 });
    const counts = [1, 3, 2, 5, 1, 4, 8, 2, 2, 1, 6, 3];
    const firsts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
    const outputs = await Promise.all(counts.map((count, i) => batcher.predict(floatBatch(input(firsts[i], count), count))));
    outputs.forEach((output, i) => expectOutputsOf(output, firsts[i], counts[i]));
    expect(model.calls.every((rows) => rows <= 8)).toBe(true);
    expect(model.calls.reduce((a, b) => a + b, 0)).toBe(38);
    // Calls join in arrival order; a call that would overflow the batch starts the next one.
    expect(model.calls).toEqual([6, 6, 4, 8, 5, 6, 3]);
    expect(batcher.counters).toEqual({ calls: 12, batches: 7, rows: 38 });
  });

  it('sends a call larger than maxRows alone', async () => {
    const model = recording(runtime);
    const batcher = new MicroBatcher(model, { maxRows: 8 });
    const [small, large, other] = await Promise.all([batcher.predict(floatBatch(input(0, 1), 1)), batcher.predict(floatBatch(input(1, 20), 20)), batcher.predict(floatBatch(input(21, 2), 2))]);
    expect(model.calls).toEqual([20, 3]);
    expectOutputsOf(small, 0, 1);
    expectOutputsOf(large, 1, 20);
    expectOutputsOf(other, 21, 2);
  });

  it('joins calls that arrive before the batch is sent, with maxDelayMs 0 as well', async () => {
    for (const maxDelayMs of [0, 1]) {
      const model = recording(runtime);
      const batcher = new MicroBatcher(model, { maxDelayMs });
      const first = batcher.predict(floatBatch(input(0, 1), 1));
      await Promise.resolve();
      const second = batcher.predict(floatBatch(input(1, 2), 2));
      expectOutputsOf(await first, 0, 1);
      expectOutputsOf(await second, 1, 2);
      expect(model.calls).toEqual([3]);
      // Once a batch is answered, the next call starts a new one.
      expectOutputsOf(await batcher.predict(floatBatch(input(3, 1), 1)), 3, 1);
      expect(model.calls).toEqual([3, 1]);
    }
  });

  it('rejects every caller of a failed batch with the same error, and the next batch works', async () => {
    const batcher = new MicroBatcher(runtime);
    runtime.unload();
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => batcher.predict(floatBatch(input(i, 1), 1))));
      expect(batcher.counters).toEqual({ calls: 5, batches: 1, rows: 5 });
      const reasons = results.map((result) => (result.status === 'rejected' ? result.reason : result.value));
      expect(reasons[0]).toBeInstanceOf(ModelNotLoadedError);
      for (const reason of reasons) expect(reason).toBe(reasons[0]);
    } finally {
      await runtime.load();
    }
    const outputs = await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.predict(floatBatch(input(i, 1), 1))));
    outputs.forEach((output, i) => expectOutputsOf(output, i, 1));
    expect(batcher.counters).toEqual({ calls: 10, batches: 2, rows: 10 });
  });

  it('refuses a call of the wrong width alone, without shifting the rows of the others', async () => {
    const model = recording(runtime);
    const batcher = new MicroBatcher(model);
    const width = runtime.inputWidth;
    const [before, wrong, after] = await Promise.allSettled([
      batcher.predict(floatBatch(input(0, 1), 1)),
      batcher.predict(floatBatch(new Float32Array(width + 1), 1)),
      batcher.predict(floatBatch(input(1, 1), 1)),
    ]);
    expect(wrong).toMatchObject({ status: 'rejected', reason: expect.any(RangeError) });
    expectOutputsOf((before as PromiseFulfilledResult<Float32Array>).value, 0, 1);
    expectOutputsOf((after as PromiseFulfilledResult<Float32Array>).value, 1, 1);
    expect(model.calls).toEqual([2]);
    expect(batcher.counters.calls).toBe(2);
  });

  it('refuses options that cannot batch', () => {
    expect(() => new MicroBatcher(runtime, { maxRows: 0 })).toThrow(RangeError);
    expect(() => new MicroBatcher(runtime, { maxDelayMs: -1 })).toThrow(RangeError);
  });
});
