import { cpuMicrosSince } from '../telemetry/usage';
import { checkBatch, type InputTensor, type ModelBatch, type ModelRuntime } from '../ml/runtimes/model-runtime';

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
  input: ModelBatch;
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
   * Predicts the batch's rows (encoded by the model's codec) and resolves to exactly their
   * rows × outputWidth outputs. Batches of concurrent callers are joined tensor by tensor into
   * one model call, whatever the input contract. When the model call fails, every caller of
   * that batch gets the same error.
   */
  predict(batch: ModelBatch): Promise<Float32Array> {
    const count = batch.rows;
    try {
      // Checked per call: a caller with the wrong layout would shift every other caller's rows in the batch.
      checkBatch(batch);
      const first = this.waiting[0];
      if (first !== undefined && count > 0) sameLayout(first.input, batch);
    } catch (error) {
      return Promise.reject(error);
    }
    if (count === 0) return Promise.resolve(new Float32Array(0));
    this.stats.calls++;
    return new Promise<Float32Array>((resolve, reject) => {
      const call: Waiting = { input: batch, count, resolve, reject };
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
      const pending = this.runtime.predict(batch.length === 1 ? batch[0].input : concatenate(batch, total));
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

/** Refuses a batch whose tensors differ (names, types, widths) from those already waiting. */
function sameLayout(a: ModelBatch, b: ModelBatch): void {
  const layout = (batch: ModelBatch) => batch.tensors.map((t) => `${t.name ?? ''}:${t.type}:${t.rank}:${t.width}`).join('|');
  if (layout(a) !== layout(b)) throw new RangeError(`the input tensors (${layout(b)}) differ from the model's (${layout(a)})`);
}

/** The calls' rows as one batch: each tensor the concatenation of the calls' same tensor. */
function concatenate(batch: Waiting[], total: number): ModelBatch {
  const tensors = batch[0]!.input.tensors.map((first, index): InputTensor => {
    if (first.type === 'string') {
      const data: string[] = [];
      for (const call of batch) for (const value of call.input.tensors[index]!.data as string[]) data.push(value);
      return { ...first, data };
    }
    const data = new Float32Array(total * first.width);
    let offset = 0;
    for (const call of batch) {
      const part = call.input.tensors[index]!.data as Float32Array;
      data.set(part, offset);
      offset += part.length;
    }
    return { ...first, data };
  });
  return { rows: total, tensors };
}
