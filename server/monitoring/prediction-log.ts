import type { DataSource } from 'typeorm';
import { binValue } from '../experiments/ml/profile';
import type { Prediction, PredictionDistribution, ReferenceProfile } from '../experiments/ml/types';
import type { Logger } from '../platform/logger';
import { predictionBin } from './drift';
import { upsertDailyRollups } from './rollups';
import { addPair, emptyPairSums, latencyBin, type PairSums } from './statistics';

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

export interface PredictionLogOptions {
  flushMs?: number;
  flushRows?: number;
  /** Rows held in memory at most; beyond, record callers wait (backpressure) instead of rows being dropped. */
  maxBufferedRows?: number;
}

/** Counters of the writer, for /metrics and tests: `lost` must stay 0. */
export interface PredictionLogStats {
  written: number;
  buffered: number;
  failedFlushes: number;
  lost: number;
}

const COLUMNS = ['deployment_id', 'deployment_version', 'model_id', 'role', 'request_id', 'row_index', 'input', 'output', 'error', 'latency_ms', 'source', 'created_at'];
/** PostgreSQL allows 65535 parameters per statement. */
const MAX_ROWS_PER_INSERT = Math.floor(65535 / COLUMNS.length);
const MAX_ROWS_PER_FLUSH = 20_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Records predictions off the latency path, and keeps the hourly aggregates every chart reads.
 * Rows are buffered and written in multi-row inserts, flushed by size or after `flushMs`,
 * together with the aggregate increments they make, in one transaction: the aggregates always
 * equal what the rows say, and the log is never rescanned. When the database is away, the
 * batch is kept and retried; when too much is buffered, callers wait. Nothing is dropped.
 */
export class PredictionLog {
  private buffer: PredictionRecord[] = [];
  private shed = new Map<string, { deploymentId: string; modelId: string; hour: string; rows: number }>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private retryMs = RETRY_MIN_MS;
  private readonly waiters: Array<() => void> = [];
  private readonly partitions = new Set<string>();
  readonly stats: PredictionLogStats = { written: 0, buffered: 0, failedFlushes: 0, lost: 0 };

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly options: PredictionLogOptions = {},
  ) {}

  record(records: PredictionRecord[]): void {
    this.buffer.push(...records);
    this.stats.buffered = this.buffer.length;
    if (this.buffer.length >= (this.options.flushRows ?? 1000)) this.kick(0);
    else this.kick(this.options.flushMs ?? 200);
  }

  /** Challenger rows shed by a full queue: counted in the aggregates, never silently lost. */
  recordShed(deploymentId: string, modelId: string, rows: number, at = new Date()): void {
    const hour = hourOf(at);
    const key = `${deploymentId}|${modelId}|${hour}`;
    const entry = this.shed.get(key) ?? { deploymentId, modelId, hour, rows: 0 };
    entry.rows += rows;
    this.shed.set(key, entry);
    this.kick(this.options.flushMs ?? 200);
  }

  /** Resolves at once while the buffer has room; else once a flush made room (backpressure). */
  whenWritable(): Promise<void> {
    if (this.buffer.length < (this.options.maxBufferedRows ?? 100_000)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Writes everything buffered, retrying while the database is away, until `timeoutMs`;
   * rows still unwritten then are counted as lost (shutdown only).
   */
  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.buffer.length > 0 || this.shed.size > 0 || this.writing) && Date.now() < deadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await (this.writing ?? this.writeOnce());
    }
    if (this.buffer.length > 0) {
      this.stats.lost += this.buffer.length;
      this.logger.error({ rows: this.buffer.length }, 'predictions could not be written before shutdown');
    }
  }

  private kick(delayMs: number): void {
    if (this.writing || (this.timer && delayMs > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeOnce();
    }, delayMs);
  }

  private writeOnce(): Promise<void> {
    if (this.writing) return this.writing;
    // Bounded transactions: a backlog is written in several, so none grows with the backlog.
    const batch = this.buffer.splice(0, MAX_ROWS_PER_FLUSH);
    const shed = [...this.shed.values()];
    this.shed = new Map();
    this.writing = this.write(batch, shed)
      .then(() => {
        this.stats.written += batch.length;
        this.retryMs = RETRY_MIN_MS;
      })
      .catch((error) => {
        // Keep the rows, oldest first, and try again later.
        this.buffer.unshift(...batch);
        for (const entry of shed) this.recordShedEntry(entry);
        this.stats.failedFlushes++;
        // The message only: the error would carry every value of the failed INSERT.
        this.logger.warn({ error: (error as Error).message, rows: batch.length, retryInMs: this.retryMs }, 'could not write predictions; will retry');
        return new Promise<void>((resolve) => setTimeout(resolve, this.retryMs)).then(() => {
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        });
      })
      .finally(() => {
        this.writing = undefined;
        this.stats.buffered = this.buffer.length;
        while (this.waiters.length > 0 && this.buffer.length < (this.options.maxBufferedRows ?? 100_000)) this.waiters.shift()!();
        if (this.buffer.length > 0 || this.shed.size > 0) this.kick(this.buffer.length >= (this.options.flushRows ?? 1000) ? 0 : this.options.flushMs ?? 200);
      });
    return this.writing;
  }

  private recordShedEntry(entry: { deploymentId: string; modelId: string; hour: string; rows: number }): void {
    const key = `${entry.deploymentId}|${entry.modelId}|${entry.hour}`;
    const existing = this.shed.get(key);
    if (existing) existing.rows += entry.rows;
    else this.shed.set(key, { ...entry });
  }

  private async write(batch: PredictionRecord[], shed: Array<{ deploymentId: string; modelId: string; hour: string; rows: number }>): Promise<void> {
    if (batch.length === 0 && shed.length === 0) return;
    const aggregates = aggregate(batch);
    for (const entry of shed) {
      const counts = aggregates.counts.get(`${entry.deploymentId}|challenger|${entry.modelId}|${entry.hour}`) ?? newCounts(entry.deploymentId, 'challenger', entry.modelId, entry.hour);
      counts.shed += entry.rows;
      aggregates.counts.set(`${entry.deploymentId}|challenger|${entry.modelId}|${entry.hour}`, counts);
    }
    await this.db.transaction(async (tx) => {
      for (const day of new Set(batch.map((r) => r.createdAt.toISOString().slice(0, 10)))) {
        if (this.partitions.has(day)) continue;
        const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
        await tx.query(`CREATE TABLE IF NOT EXISTS "predictions_${day.replace(/-/g, '')}" PARTITION OF predictions FOR VALUES FROM ('${day}') TO ('${next}')`);
      }
      for (let start = 0; start < batch.length; start += MAX_ROWS_PER_INSERT) {
        const chunk = batch.slice(start, start + MAX_ROWS_PER_INSERT);
        const values: unknown[] = [];
        const rows = chunk.map((r, i) => {
          values.push(r.deploymentId, r.deploymentVersion, r.modelId, r.role, r.requestId, r.rowIndex, JSON.stringify(r.input ?? null), JSON.stringify(r.output), r.error ?? null, r.latencyMs, r.source, r.createdAt);
          return placeholders(i, COLUMNS.length);
        });
        await tx.query(`INSERT INTO predictions (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`, values);
      }
      await upsert(
        tx,
        'aggregate_counts',
        ['deployment_id', 'role', 'model_id', 'hour'],
        ['requests', 'rows', 'errors', 'shed', 'latency_ms_sum'],
        [...aggregates.counts.values()].map((c) => [c.deploymentId, c.role, c.modelId, c.hour, c.requests, c.rows, c.errors, c.shed, c.latencySum]),
      );
      await upsert(
        tx,
        'aggregate_bins',
        ['deployment_id', 'role', 'model_id', 'series', 'hour', 'bin'],
        ['count'],
        [...aggregates.bins.values()].map((b) => [b.deploymentId, b.role, b.modelId, b.series, b.hour, b.bin, b.count]),
      );
      await upsert(
        tx,
        'aggregate_pairs',
        ['deployment_id', 'hour'],
        ['pairs', 'agreements', 'sum_abs_diff', 'sum_x', 'sum_y', 'sum_xy', 'sum_xx', 'sum_yy'],
        [...aggregates.pairs.entries()].map(([key, s]) => [...key.split('|'), s.pairs, s.agreements, s.sumAbsDiff, s.sumX, s.sumY, s.sumXY, s.sumXX, s.sumYY]),
      );
      await upsertDailyRollups(tx, aggregates);
    });
    for (const day of new Set(batch.map((r) => r.createdAt.toISOString().slice(0, 10)))) this.partitions.add(day);
  }
}

interface BinCount {
  deploymentId: string;
  role: PredictionRole;
  modelId: string;
  series: string;
  hour: string;
  bin: number;
  count: number;
}

interface Counts {
  deploymentId: string;
  role: PredictionRole;
  modelId: string;
  hour: string;
  requests: number;
  rows: number;
  errors: number;
  shed: number;
  latencySum: number;
}

const newCounts = (deploymentId: string, role: PredictionRole, modelId: string, hour: string): Counts => ({ deploymentId, role, modelId, hour, requests: 0, rows: 0, errors: 0, shed: 0, latencySum: 0 });

/** The truncation to the hour every aggregate is keyed by, as an ISO string. */
export function hourOf(date: Date): string {
  const hour = new Date(date);
  hour.setUTCMinutes(0, 0, 0);
  return hour.toISOString();
}

/**
 * The aggregate increments of a batch: per deployment × role × model × hour, the counts; the
 * histograms (latency per request, each feature and the prediction per row, on the model's
 * reference bins); and main/challenger agreement sums per deployment × hour.
 */
export function aggregate(batch: PredictionRecord[]) {
  const counts = new Map<string, Counts>();
  const bins = new Map<string, BinCount>();
  const pairs = new Map<string, PairSums>();
  const seenRequests = new Set<string>();
  const hours = new Map<number, string>();
  const bump = (record: PredictionRecord, series: string, hour: string, bin: number) => {
    // NUL cannot appear in a feature name that came through JSON or CSV unnoticed; cheaper than JSON keys.
    const key = `${record.deploymentId}\u0000${record.role}\u0000${record.modelId}\u0000${series}\u0000${hour}\u0000${bin}`;
    const entry = bins.get(key);
    if (entry) entry.count++;
    else bins.set(key, { deploymentId: record.deploymentId, role: record.role, modelId: record.modelId, series, hour, bin, count: 1 });
  };

  for (const record of batch) {
    const ms = record.createdAt.getTime();
    const hourMs = ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);
    let hour = hours.get(hourMs);
    if (hour === undefined) hours.set(hourMs, (hour = new Date(hourMs).toISOString()));
    const key = `${record.deploymentId}|${record.role}|${record.modelId}|${hour}`;
    let entry = counts.get(key);
    if (!entry) counts.set(key, (entry = newCounts(record.deploymentId, record.role, record.modelId, hour)));
    entry.rows++;
    if (record.error) entry.errors++;
    const requestKey = `${key}|${record.requestId}`;
    if (!seenRequests.has(requestKey)) {
      seenRequests.add(requestKey);
      entry.requests++;
      entry.latencySum += record.latencyMs;
      bump(record, 'latency', hour, latencyBin(record.latencyMs));
    }
    const input = record.input !== null && typeof record.input === 'object' && !Array.isArray(record.input) ? (record.input as Record<string, unknown>) : {};
    for (const feature of record.binning.profile?.features ?? []) {
      bump(record, `feature:${feature.name}`, hour, binValue(feature, input[feature.name]));
    }
    if (record.output && record.binning.predictions) {
      bump(record, 'prediction', hour, predictionBin(record.binning.predictions, record.output.prediction));
    }
    if (record.role === 'challenger' && record.output && record.mainOutput) {
      const pairKey = `${record.deploymentId}|${hour}`;
      const sums = pairs.get(pairKey) ?? emptyPairSums();
      addPair(sums, record.mainOutput, record.output);
      pairs.set(pairKey, sums);
    }
  }
  return { counts, bins, pairs };
}

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [String(a[i]), String(b[i])];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function placeholders(row: number, width: number): string {
  return `(${Array.from({ length: width }, (_, c) => `$${row * width + c + 1}`).join(', ')})`;
}

/** Multi-row INSERT … ON CONFLICT DO UPDATE that adds to the existing counters. */
async function upsert(tx: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, table: string, keys: string[], sums: string[], rows: unknown[][]): Promise<void> {
  // The same order in every writer, so concurrent replicas lock rows in the same order (no deadlock).
  rows.sort((a, b) => compareKeys(a.slice(0, keys.length), b.slice(0, keys.length)));
  const width = keys.length + sums.length;
  const perStatement = Math.floor(65535 / width);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    await tx.query(
      `INSERT INTO ${table} (${[...keys, ...sums].join(', ')}) VALUES ${chunk.map((_, i) => placeholders(i, width)).join(', ')}
       ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${sums.map((s) => `${s} = ${table}.${s} + EXCLUDED.${s}`).join(', ')}`,
      chunk.flat(),
    );
  }
}
