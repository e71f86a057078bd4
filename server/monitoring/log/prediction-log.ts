import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../platform/logger';
import { WireBatch } from './wire';
import { LANES, LEFT_MARKER, type Binning, type Lane, type LaneCounts, type LogThreadData, type PredictionLogStats, type PredictionRecord, type RunModelFile, type RunPredictions, type ToLogThread, type WriterEvent, type WriterOptions } from './records';

export type { Binning, PredictionLogStats, PredictionRecord, PredictionRole, PredictionSource, RunModelFile, RunPredictions } from './records';

export interface PredictionLogOptions extends Partial<Omit<WriterOptions, 'spillDir'>> {
  databaseUrl: string;
  spillDir: string;
  /** Live rows recorded and not written at most, in memory and spilled together; beyond, whenWritable() waits. */
  maxBacklogRows?: number;
}

/** `kept`: rows left on disk for the next start. */
type FromLogThread = WriterEvent | { type: 'closed'; kept: number };

/**
 * Rows handed to the log's thread in one message: one message per row would cost more than the
 * row; a large one keeps the rows' objects alive longer on the serving thread (more of them
 * survive into the old generation) and blocks it while serialised. bench:serve at 32
 * connections with a challenger: 0.51–0.55 of the ceiling at 250 rows, 0.57 at 64.
 */
const ROWS_PER_MESSAGE = 64;
const POST_AFTER_MS = 10;

/** A log's spill folder under the data folder: `<pid>-<8 hex digits>`. */
const SPILL_FOLDER = /^\d+-[0-9a-f]{8}$/;
/**
 * A live log touches this file in its spill folder every HEARTBEAT_MS; a folder in which nothing
 * changed for STALE_MS is a stopped process's. (Process ids cannot tell: processes in other
 * containers sharing the data folder have their own, often the same, ids.)
 */
const HEARTBEAT_FILE = 'alive';
const HEARTBEAT_MS = 15_000;
const STALE_MS = 60_000;

const zero = (): Record<Lane, LaneCounts> => ({ live: { written: 0, lost: 0, discarded: 0 }, runs: { written: 0, lost: 0, discarded: 0 } });

/**
 * Records predictions off the latency path. Every prediction is handed to the log's own thread,
 * which writes the rows and the aggregates (PredictionLogWriter): the serving thread only
 * serialises rows into a message, and a pipeline run only hands over its result files. Rows are
 * written in the order recorded within each lane (live requests, then runs); `flush()` waits for
 * the rows recorded before it, `close()` for all of them. Nothing is dropped: beyond its memory
 * bound the writer spills to disk, and beyond `maxBacklogRows` callers that wait on
 * `whenWritable()` are held back.
 */
export class PredictionLog {
  /** Read when asked (metrics, tests), not recomputed on every record(). */
  readonly stats: PredictionLogStats & { handoverFailures: number } = statsOf(this);
  private readonly recorded: Record<Lane, number> = { live: 0, runs: 0 };
  private readonly posted: Record<Lane, number> = { live: 0, runs: 0 };
  /** What the current thread reports, and what earlier threads (or the close) settled. */
  private thread = zero();
  private readonly before = zero();
  private failedFlushesBefore = 0;
  private failedFlushesNow = 0;
  private spilledNow = 0;
  /** Values (or whole rows) the serving thread could not hand to the log's thread: see post(). */
  private failedHandovers = 0;
  private unposted = new WireBatch();
  private postTimer: NodeJS.Timeout | undefined;
  private readonly binnings = new Map<string, Binning>();
  private readonly waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  private worker: Worker;
  private closing: Promise<void> | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    private readonly options: PredictionLogOptions,
  ) {
    mkdirSync(options.spillDir, { recursive: true });
    writeFileSync(path.join(options.spillDir, HEARTBEAT_FILE), '');
    this.worker = this.startThread();
    this.adoptLeftovers();
    this.heartbeat = setInterval(() => {
      // A timer: a full disk or a vanished folder is logged, never thrown.
      try {
        const now = new Date();
        try {
          utimesSync(path.join(options.spillDir, HEARTBEAT_FILE), now, now);
        } catch {
          writeFileSync(path.join(options.spillDir, HEARTBEAT_FILE), '');
        }
        // A process that stopped while this one runs is taken over too, once its folder is stale.
        this.adoptLeftovers();
      } catch (error) {
        this.logger.error({ err: error, folder: options.spillDir }, 'the prediction log heartbeat failed; retrying at the next beat');
      }
    }, HEARTBEAT_MS).unref();
  }

  record(records: PredictionRecord[]): void {
    if (this.closing) return this.lostAfterClose('live', records.length);
    for (const r of records) {
      if (this.binnings.get(r.modelId) !== r.binning) {
        this.binnings.set(r.modelId, r.binning);
        this.worker.postMessage({ type: 'binning', modelId: r.modelId, binning: r.binning } satisfies ToLogThread);
      }
      this.unposted.add(r);
    }
    this.recorded.live += records.length;
    if (this.unposted.rows >= ROWS_PER_MESSAGE) this.post();
    else this.postTimer ??= setTimeout(() => this.post(), POST_AFTER_MS);
  }

  /**
   * A succeeded pipeline run's predictions: the log takes its result files (moved into the log's
   * folder, so the caller may delete its own) and reads them back on its thread.
   */
  recordRun(run: RunPredictions): void {
    const rows = run.rows * (run.challenger ? 2 : 1);
    if (this.closing) return this.lostAfterClose('runs', rows);
    mkdirSync(this.options.spillDir, { recursive: true });
    const take = (model: RunModelFile): RunModelFile => {
      const file = path.join(this.options.spillDir, `run-${randomUUID()}.csv`);
      try {
        renameSync(model.file, file);
      } catch (error) {
        // The data folder spans two file systems: copy instead.
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        copyFileSync(model.file, file);
      }
      return { ...model, file };
    };
    const handed: RunPredictions = { ...run, main: take(run.main), challenger: run.challenger && take(run.challenger) };
    this.recorded.runs += rows;
    this.posted.runs += rows;
    this.worker.postMessage({ type: 'run', run: handed } satisfies ToLogThread);
  }

  /** Challenger rows shed by a full queue: counted in the aggregates, never silently lost. */
  recordShed(deploymentId: string, modelId: string, rows: number, at = new Date()): void {
    this.worker.postMessage({ type: 'shed', entry: { deploymentId, modelId, hour: hourOf(at), rows } } satisfies ToLogThread);
  }

  /** Whether the live backlog has room (whenWritable() would resolve at once). */
  get writable(): boolean {
    return this.recorded.live - this.settled('live') < (this.options.maxBacklogRows ?? 5_000_000);
  }

  /** Resolves at once while the live backlog has room; else once the writer made room (backpressure). */
  whenWritable(): Promise<void> {
    return this.until(() => this.writable);
  }

  /** Resolves once every row recorded before the call is written, or after `timeoutMs`. */
  async flush(timeoutMs = 30_000): Promise<void> {
    const targets = { ...this.recorded };
    this.post();
    this.worker.postMessage({ type: 'flush' } satisfies ToLogThread);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.until(() => LANES.every((lane) => this.settled(lane) >= targets[lane])), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Writes everything recorded, retrying while the database is away, until `timeoutMs`; rows
   * still unwritten then are counted as lost. Then stops the log's thread (shutdown).
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      this.post();
      let kept = 0;
      const closed = new Promise<void>((resolve) => {
        this.worker.on('message', (message: FromLogThread) => {
          if (message.type !== 'closed') return;
          kept = message.kept;
          resolve();
        });
        this.worker.once('exit', () => resolve());
      });
      this.worker.ref();
      this.worker.postMessage({ type: 'close', deadline: Date.now() + timeoutMs } satisfies ToLogThread);
      // The thread gives up at the deadline itself; this bound is for a thread that cannot even do that.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs + 5000)))]);
      clearTimeout(timer);
      const lost = this.settleAsLost(kept);
      if (kept > 0) this.logger.warn({ rows: kept, folder: this.options.spillDir }, 'predictions not written before shutdown are kept on disk; the next start on this data folder writes them');
      if (lost > 0) this.logger.error({ rows: lost }, 'predictions could not be written before shutdown');
      await this.worker.terminate();
      this.resolveWaiters();
    })();
    return this.closing;
  }

  private settled(lane: Lane): number {
    const before = this.before[lane];
    const thread = this.thread[lane];
    return before.written + before.lost + before.discarded + thread.written + thread.lost + thread.discarded;
  }

  /**
   * Counts everything posted and not written as lost (the thread is gone), but for `kept` rows
   * left on disk for the next start; returns how many were lost.
   */
  private settleAsLost(kept = 0): number {
    let lost = 0;
    let keptLeft = kept;
    for (const lane of LANES) {
      const unsettled = this.posted[lane] - this.settled(lane);
      const keptHere = Math.min(keptLeft, unsettled);
      keptLeft -= keptHere;
      this.before[lane].written += this.thread[lane].written;
      this.before[lane].discarded += this.thread[lane].discarded;
      this.before[lane].lost += this.thread[lane].lost + unsettled - keptHere;
      this.recorded[lane] -= keptHere;
      this.posted[lane] -= keptHere;
      lost += unsettled - keptHere;
    }
    this.failedFlushesBefore += this.failedFlushesNow;
    this.failedFlushesNow = 0;
    this.thread = zero();
    return lost;
  }

  private lostAfterClose(lane: Lane, rows: number): void {
    this.recorded[lane] += rows;
    this.before[lane].lost += rows;
    this.logger.error({ rows }, 'predictions recorded after the log closed');
  }

  /** Written, lost, discarded and waiting rows of both lanes (for the stats). */
  total(of: 'written' | 'lost' | 'discarded' | 'buffered'): number {
    let sum = 0;
    for (const lane of LANES) {
      if (of === 'buffered') sum += this.recorded[lane] - this.settled(lane);
      else sum += this.before[lane][of] + this.thread[lane][of];
    }
    return sum;
  }

  get failedFlushes(): number {
    return this.failedFlushesBefore + this.failedFlushesNow;
  }

  get spilled(): number {
    return this.spilledNow;
  }

  get handoverFailures(): number {
    return this.failedHandovers;
  }

  private post(): void {
    clearTimeout(this.postTimer);
    this.postTimer = undefined;
    if (this.unposted.rows === 0) return;
    const batch = this.unposted;
    this.unposted = new WireBatch();
    this.posted.live += batch.rows;
    // Runs in a timer too: nothing here may throw.
    try {
      const { json, replaced } = batch.toJSONReplacing();
      if (replaced > 0) {
        this.failedHandovers += replaced;
        this.logger.error({ values: replaced }, 'prediction inputs or outputs that cannot be serialised are logged as null');
      }
      this.worker.postMessage({ type: 'rows', json, rows: batch.rows } satisfies ToLogThread);
    } catch (error) {
      this.before.live.lost += batch.rows;
      this.failedHandovers += batch.rows;
      this.logger.error({ err: error, rows: batch.rows }, 'predictions could not be handed to the log thread and are lost');
    }
  }

  private until(ready: () => boolean): Promise<void> {
    if (ready() || this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ ready, resolve });
      // Waiting on the thread must keep the process alive (it is unreferenced otherwise).
      this.worker.ref();
    });
  }

  private resolveWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.closing || this.waiters[i]!.ready()) this.waiters.splice(i, 1)[0]!.resolve();
    }
    if (this.waiters.length === 0 && !this.closing) this.worker.unref();
  }

  /**
   * Spill folders other logs on this data folder left: those of logs that closed (with a marker)
   * and those in which nothing changed for STALE_MS (a crash, a kill). Each is claimed by moving
   * it into this log's folder (of several logs, only one can), and its thread writes it.
   */
  private adoptLeftovers(): void {
    const parent = path.dirname(this.options.spillDir);
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      return;
    }
    for (const name of names) {
      const folder = path.join(parent, name);
      if (!SPILL_FOLDER.test(name) || folder === this.options.spillDir) continue;
      if (!existsSync(path.join(folder, LEFT_MARKER)) && !isStale(folder)) continue;
      const claimed = path.join(this.options.spillDir, `adopted-${name}`);
      try {
        renameSync(folder, claimed);
      } catch {
        // Another log claimed it first.
        continue;
      }
      this.worker.postMessage({ type: 'adopt', folder: claimed } satisfies ToLogThread);
    }
  }

  private startThread(): Worker {
    const options: WriterOptions = {
      // Batches of up to 10 000 rows or a second: the aggregate upserts of a batch cost about the
      // same whatever its size, and monitoring shows minutes and hours, not milliseconds.
      flushMs: this.options.flushMs ?? 1000,
      flushRows: this.options.flushRows ?? 10_000,
      maxBufferedRows: this.options.maxBufferedRows ?? 50_000,
      spillDir: this.options.spillDir,
    };
    const worker = new Worker(new URL('./thread.mjs', import.meta.url), { workerData: { databaseUrl: this.options.databaseUrl, options } satisfies LogThreadData });
    worker.unref();
    worker.on('message', (event: FromLogThread) => {
      if (event.type === 'progress') {
        this.thread = event.lanes;
        this.failedFlushesNow = event.failedFlushes;
        this.spilledNow = event.spilled;
        this.resolveWaiters();
      } else if (event.type === 'adopted') {
        for (const lane of LANES) {
          this.recorded[lane] += event.rows[lane];
          this.posted[lane] += event.rows[lane];
        }
      } else if (event.type === 'log') {
        this.logger[event.level](event.data, event.message);
      }
    });
    worker.on('error', (error) => {
      // What the dead thread held is lost: count it, say it, and go on with a new thread.
      const lost = this.settleAsLost();
      this.logger.error({ err: error, rows: lost }, 'the prediction log thread failed; starting a new one');
      this.binnings.clear();
      if (!this.closing) this.worker = this.startThread();
      this.resolveWaiters();
    });
    return worker;
  }
}

/** Nothing changed in the folder, nor its heartbeat file touched, for STALE_MS. */
function isStale(folder: string): boolean {
  try {
    let last = statSync(folder).mtimeMs;
    const heartbeat = path.join(folder, HEARTBEAT_FILE);
    if (existsSync(heartbeat)) last = Math.max(last, statSync(heartbeat).mtimeMs);
    return Date.now() - last > STALE_MS;
  } catch {
    // Gone meanwhile (claimed by another log).
    return false;
  }
}

function statsOf(log: PredictionLog): PredictionLogStats & { handoverFailures: number } {
  return {
    get written() {
      return log.total('written');
    },
    get buffered() {
      return log.total('buffered');
    },
    get lost() {
      return log.total('lost');
    },
    get discarded() {
      return log.total('discarded');
    },
    get spilled() {
      return log.spilled;
    },
    get failedFlushes() {
      return log.failedFlushes;
    },
    get handoverFailures() {
      return log.handoverFailures;
    },
  };
}

/** The truncation to the hour every aggregate is keyed by, as an ISO string. */
export function hourOf(date: Date): string {
  const hour = new Date(date);
  hour.setUTCMinutes(0, 0, 0);
  return hour.toISOString();
}
