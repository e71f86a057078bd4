import { cpuMicrosSince } from '../monitoring/usage';
import type { ModelRuntime } from './model-runtime';

export interface MicroBatcherOptions {
  /** How long the first call of a batch waits for others (default 1 ms; 0 waits for the current event-loop turn only). */
  maxDelayMs?: number;
  /** Rows in one model call (default 256); a call with more rows goes alone. */
  maxRows?: number;
  /** Told the CPU time of each model call (its synchronous part, where TF.js does the work). */
  onModelCall?: (cpuMicros: number, rows: number) => void;
}

/** Counters since construction, for tests and benchmarks. */
export interface MicroBatcherCounters {
  /** predict() calls that reached a batch (invalid ones excluded). */
  calls: number;
  /** Model calls made. */
  batches: number;
  /** Rows sent to the model. */
  rows: number;
}

interface Waiting {
  input: Float32Array;
  count: number;
  resolve: (output: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Joins concurrent predictions into one model call. A model call has a fixed cost (tensor
 * allocation, kernel dispatch, read-back) that dwarfs the per-row work of a small tabular
 * model, so under load one call per request would spend the time on overhead and throughput
 * would collapse; one call for many rows costs little more than one for a single row.
 * Waiting at most `maxDelayMs` bounds the latency added when traffic is light.
 */
export class MicroBatcher {
  private readonly maxDelayMs: number;
  private readonly maxRows: number;
  private readonly onModelCall: MicroBatcherOptions['onModelCall'];
  private waiting: Waiting[] = [];
  private waitingRows = 0;
  private timer: { cancel(): void } | undefined;
  private readonly stats: MicroBatcherCounters = { calls: 0, batches: 0, rows: 0 };

  constructor(
    private readonly runtime: ModelRuntime,
    options: MicroBatcherOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 1;
    this.maxRows = options.maxRows ?? 256;
    this.onModelCall = options.onModelCall;
    if (!(Number.isFinite(this.maxDelayMs) && this.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be a number ≥ 0, got ${this.maxDelayMs}`);
    if (!(Number.isInteger(this.maxRows) && this.maxRows >= 1)) throw new RangeError(`maxRows must be a whole number ≥ 1, got ${this.maxRows}`);
  }

  get counters(): MicroBatcherCounters {
    return { ...this.stats };
  }

  /**
   * Predicts `count` rows (`rows` holds count × inputWidth values) and resolves to exactly
   * their count × outputWidth outputs. When the model call of the batch fails, every caller
   * of that batch gets the same error.
   */
  predict(rows: Float32Array, count: number): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 0) return Promise.reject(new RangeError(`count must be a whole number ≥ 0, got ${count}`));
    // Checked per call: a caller with the wrong width would shift every other caller's rows in the batch.
    if (this.runtime.ready && rows.length !== count * this.runtime.inputWidth) {
      return Promise.reject(
        new RangeError(`expected ${count} × ${this.runtime.inputWidth} = ${count * this.runtime.inputWidth} input values, got ${rows.length}`),
      );
    }
    if (count === 0) return Promise.resolve(new Float32Array(0));
    this.stats.calls++;
    return new Promise<Float32Array>((resolve, reject) => {
      const call: Waiting = { input: rows, count, resolve, reject };
      if (count > this.maxRows) {
        void this.run([call]);
        return;
      }
      if (this.waitingRows + count > this.maxRows) this.dispatch();
      this.waiting.push(call);
      this.waitingRows += count;
      if (this.waitingRows === this.maxRows) this.dispatch();
      else this.timer ??= this.schedule();
    });
  }

  private schedule(): { cancel(): void } {
    const fire = () => {
      this.timer = undefined;
      this.dispatch();
    };
    if (this.maxDelayMs === 0) {
      const immediate = setImmediate(fire);
      return { cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(fire, this.maxDelayMs);
    return { cancel: () => clearTimeout(timeout) };
  }

  private dispatch(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.waitingRows = 0;
    if (batch.length > 0) void this.run(batch);
  }

  /** Never rejects (it runs from a timer, where a rejection would end the process): the outcome goes to the callers. */
  private async run(batch: Waiting[]): Promise<void> {
    try {
      const total = batch.reduce((sum, call) => sum + call.count, 0);
      this.stats.batches++;
      this.stats.rows += total;
      const cpu = performance.now();
      const pending = this.runtime.predict(batch.length === 1 ? batch[0].input : concatenate(batch), total);
      this.onModelCall?.(cpuMicrosSince(cpu), total);
      const output = await pending;
      if (batch.length === 1) {
        batch[0].resolve(output);
        return;
      }
      const width = output.length / total;
      if (!Number.isInteger(width)) throw new Error(`the model returned ${output.length} values for ${total} rows`);
      let offset = 0;
      for (const call of batch) {
        // A copy, not a view: a caller that edits its result must not touch its neighbours'.
        call.resolve(output.slice(offset, offset + call.count * width));
        offset += call.count * width;
      }
    } catch (error) {
      for (const call of batch) call.reject(error);
    }
  }
}

function concatenate(batch: Waiting[]): Float32Array {
  const all = new Float32Array(batch.reduce((sum, call) => sum + call.input.length, 0));
  let offset = 0;
  for (const call of batch) {
    all.set(call.input, offset);
    offset += call.input.length;
  }
  return all;
}
