import { Worker } from 'node:worker_threads';
import type { Prediction, PredictionDistribution, ReferenceProfile } from '../experiments/ml/types';
import type { Logger } from '../platform/logger';
import type { PredictionLogStats, WriterEvent, WriterOptions } from './prediction-log-writer';
import { WireBatch } from './prediction-log-wire';

export type { PredictionLogStats } from './prediction-log-writer';
export type PredictionRole = 'main' | 'challenger';
export type PredictionSource = 'api' | 'form' | 'pipeline';

/** What live values of one model are binned against: its version's training profile and holdout predictions. */
export interface Binning {
  profile: ReferenceProfile | null;
  predictions: PredictionDistribution | null;
}

/** One row predicted by one model: what came in, what went out, how long it took. */
export interface PredictionRecord {
  deploymentId: string;
  deploymentVersion: number;
  modelId: string;
  role: PredictionRole;
  requestId: string;
  /** Position of the row in its request. */
  rowIndex: number;
  input: unknown;
  /** The prediction, or null when the model failed (`error` says why). */
  output: Prediction | null;
  error?: string;
  /** Of the whole request (all its rows went through the model together). */
  latencyMs: number;
  source: PredictionSource;
  createdAt: Date;
  binning: Binning;
  /** Challenger rows: the main model's answer for the same row, for agreement. */
  mainOutput?: Prediction;
}

/**
 * A record as the log's thread holds it and its spill files store it: its model's binning is sent
 * once, not with every row; the time is in epoch milliseconds.
 */
export type LoggedPrediction = Omit<PredictionRecord, 'binning' | 'createdAt'> & { createdAt: number };

export interface PredictionLogOptions extends Partial<Omit<WriterOptions, 'spillDir'>> {
  databaseUrl: string;
  spillDir: string;
  /** Rows recorded and not written at most, in memory and spilled together; beyond, whenWritable() waits. */
  maxBacklogRows?: number;
}

/** Everything the log's thread starts with. */
export interface LogThreadData {
  databaseUrl: string;
  options: WriterOptions;
}

export type ToLogThread =
  | { type: 'binning'; modelId: string; binning: Binning }
  /** A WireMessage as JSON (prediction-log-wire.ts). */
  | { type: 'rows'; json: string; rows: number }
  | { type: 'shed'; entry: { deploymentId: string; modelId: string; hour: string; rows: number } }
  | { type: 'flush' }
  | { type: 'close'; deadline: number };

type FromLogThread = WriterEvent | { type: 'closed'; unwritten: number };

/** Rows handed to the log's thread in one message (one message per row would cost more than the row). */
const ROWS_PER_MESSAGE = 1000;
const POST_AFTER_MS = 10;

/**
 * Records predictions off the latency path. Every prediction — API, form, pipeline — is handed
 * to the log's own thread, which writes the rows and the aggregates (PredictionLogWriter): the
 * serving thread only copies the rows into a message. Rows are written in the order recorded;
 * `flush()` waits for the rows recorded before it, `close()` for all of them. Nothing is dropped:
 * beyond its memory bound the writer spills to disk, and beyond `maxBacklogRows` callers that
 * wait on `whenWritable()` are held back.
 */
export class PredictionLog {
  readonly stats: PredictionLogStats = { written: 0, buffered: 0, spilled: 0, failedFlushes: 0, lost: 0 };
  private recorded = 0;
  private posted = 0;
  /** Rows written by threads that died (their unwritten rows are counted as lost). */
  private writtenBefore = 0;
  /** Rows lost outside the current thread's count: by threads that died, or at close. */
  private lostOutside = 0;
  private unposted = new WireBatch();
  private postTimer: NodeJS.Timeout | undefined;
  private readonly binnings = new Map<string, Binning>();
  private readonly waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  private thread: Worker;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly options: PredictionLogOptions,
  ) {
    this.thread = this.startThread();
  }

  record(records: PredictionRecord[]): void {
    if (this.closing) {
      this.stats.lost += records.length;
      this.lostOutside += records.length;
      this.logger.error({ rows: records.length }, 'predictions recorded after the log closed');
      return;
    }
    for (const r of records) {
      if (this.binnings.get(r.modelId) !== r.binning) {
        this.binnings.set(r.modelId, r.binning);
        this.thread.postMessage({ type: 'binning', modelId: r.modelId, binning: r.binning } satisfies ToLogThread);
      }
      this.unposted.add(r);
    }
    this.recorded += records.length;
    this.stats.buffered = this.backlog();
    if (this.unposted.rows >= ROWS_PER_MESSAGE) this.post();
    else this.postTimer ??= setTimeout(() => this.post(), POST_AFTER_MS);
  }

  /** Challenger rows shed by a full queue: counted in the aggregates, never silently lost. */
  recordShed(deploymentId: string, modelId: string, rows: number, at = new Date()): void {
    this.thread.postMessage({ type: 'shed', entry: { deploymentId, modelId, hour: hourOf(at), rows } } satisfies ToLogThread);
  }

  /** Resolves at once while the backlog has room; else once the writer made room (backpressure). */
  whenWritable(): Promise<void> {
    const max = this.options.maxBacklogRows ?? 5_000_000;
    return this.until(() => this.backlog() < max);
  }

  /** Resolves once every row recorded before the call is written, or after `timeoutMs`. */
  async flush(timeoutMs = 30_000): Promise<void> {
    const target = this.recorded;
    this.post();
    this.thread.postMessage({ type: 'flush' } satisfies ToLogThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.until(() => this.stats.written + this.stats.lost >= target), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Writes everything recorded, retrying while the database is away, until `timeoutMs`; rows
   * still unwritten then are counted as lost. Then stops the log's thread (shutdown).
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closing ??= (async () => {
      this.post();
      const closed = new Promise<number>((resolve) => {
        this.thread.on('message', (message: FromLogThread) => message.type === 'closed' && resolve(message.unwritten));
        this.thread.once('exit', () => resolve(this.posted - this.stats.written - this.stats.lost));
      });
      this.thread.ref();
      this.thread.postMessage({ type: 'close', deadline: Date.now() + timeoutMs } satisfies ToLogThread);
      const unwritten = await closed;
      if (unwritten > 0) {
        this.stats.lost += unwritten;
        this.lostOutside += unwritten;
        this.logger.error({ rows: unwritten }, 'predictions could not be written before shutdown');
      }
      await this.thread.terminate();
      this.resolveWaiters();
    })();
    return this.closing;
  }

  private backlog(): number {
    return this.recorded - this.stats.written - this.stats.lost;
  }

  private post(): void {
    clearTimeout(this.postTimer);
    this.postTimer = undefined;
    if (this.unposted.rows === 0) return;
    const batch = this.unposted;
    this.unposted = new WireBatch();
    this.posted += batch.rows;
    this.thread.postMessage({ type: 'rows', json: batch.toJSON(), rows: batch.rows } satisfies ToLogThread);
  }

  private until(ready: () => boolean): Promise<void> {
    if (ready() || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ ready, resolve });
      // Waiting on the thread must keep the process alive (it is unreferenced otherwise).
      this.thread.ref();
    });
  }

  private resolveWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.closing || this.waiters[i]!.ready()) this.waiters.splice(i, 1)[0]!.resolve();
    }
    if (this.waiters.length === 0 && !this.closing) this.thread.unref();
  }

  private startThread(): Worker {
    const options: WriterOptions = {
      flushMs: this.options.flushMs ?? 200,
      flushRows: this.options.flushRows ?? 1000,
      maxBufferedRows: this.options.maxBufferedRows ?? 50_000,
      spillDir: this.options.spillDir,
    };
    const thread = new Worker(new URL('./prediction-log.thread.mjs', import.meta.url), { workerData: { databaseUrl: this.options.databaseUrl, options } satisfies LogThreadData });
    thread.unref();
    thread.on('message', (event: FromLogThread) => {
      if (event.type === 'progress') {
        Object.assign(this.stats, { ...event.stats, written: this.writtenBefore + event.stats.written, lost: this.lostOutside + event.stats.lost });
        this.stats.buffered = this.backlog();
        this.resolveWaiters();
      } else if (event.type === 'log') {
        this.logger[event.level](event.data, event.message);
      }
    });
    thread.on('error', (error) => {
      // What the dead thread held is lost: count it, say it, and go on with a new thread.
      const lost = this.posted - this.stats.written - this.stats.lost;
      this.stats.lost += lost;
      this.lostOutside = this.stats.lost;
      this.writtenBefore = this.stats.written;
      this.logger.error({ err: error, rows: lost }, 'the prediction log thread failed; starting a new one');
      this.binnings.clear();
      if (!this.closing) this.thread = this.startThread();
      this.resolveWaiters();
    });
    return thread;
  }
}

/** The truncation to the hour every aggregate is keyed by, as an ISO string. */
export function hourOf(date: Date): string {
  const hour = new Date(date);
  hour.setUTCMinutes(0, 0, 0);
  return hour.toISOString();
}
