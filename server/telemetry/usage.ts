import type { DataSource } from 'typeorm';
import { badInput } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { histogramQuantile, LATENCY_EDGES_MS, latencyBin } from '../monitoring/statistics';

export interface UsageTrackerOptions {
  /** Bytes of model weights each deployment holds loaded on this replica; read at every sample and by live(). */
  memoryOf?: () => ReadonlyMap<string, number>;
  /** Milliseconds since the epoch; tests inject a clock. */
  now?: () => number;
}

/** What a deployment is doing right now, over the last complete seconds (see `LIVE_WINDOW_SECONDS`). */
export interface LiveUsage {
  /** End of the window: the start of the current second. */
  at: Date;
  requestsPerSecond: number;
  /** Requests that failed on the server's side (not the caller's invalid input). */
  errorsPerSecond: number;
  /** Rows through the deployment's models, main and challenger. */
  rowsPerSecond: number;
  /** Null when no request finished in the window. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** CPU seconds spent in the deployment's preprocessing and inference per wall-clock second (1 = one core). */
  cpuSecondsPerSecond: number;
  memoryBytes: number;
}

/** One minute of one deployment, as charts read it. */
export interface UsagePoint {
  minute: Date;
  cpuSeconds: number;
  /** Largest value sampled in the minute. */
  memoryBytes: number;
  requests: number;
  errors: number;
  /** What the whole process used in the minute; null when no row was written for it (nothing sampled). */
  processCpuSeconds: number | null;
  processRssBytes: number | null;
}

/** How far back live() looks. */
export const LIVE_WINDOW_SECONDS = 10;
const MINUTE_MS = 60_000;
/** One query answers at most a week of minutes; longer ranges need coarser points. */
const MAX_QUERY_MINUTES = 7 * 24 * 60;
/** Rows kept for retry while the database is away; beyond, the oldest minutes are dropped (and logged). */
const MAX_UNSENT_ROWS = 100_000;
/** The current second and the complete seconds of the window. */
const RING_SECONDS = LIVE_WINDOW_SECONDS + 1;

interface SecondBucket {
  second: number;
  requests: number;
  errors: number;
  rows: number;
  cpuMicros: number;
  latency: number[];
}

interface Pending {
  cpuMicros: number;
  requests: number;
  errors: number;
}

interface MinuteRow {
  deploymentId: string;
  minute: number;
  cpuSeconds: number;
  memoryBytes: number;
  requests: number;
  errors: number;
  processCpuSeconds: number;
  processRssBytes: number;
}

interface ProcessMinute {
  cpuSeconds: number;
  rssBytes: number;
}

/**
 * One statement for any number of rows (eight array parameters, far from PostgreSQL's limit).
 * Rows of a deployment deleted since it was sampled are skipped: the foreign key would fail the whole batch.
 */
const UPSERT = `INSERT INTO "usage_minutes" ("deployment_id", "minute", "cpu_seconds", "memory_bytes", "requests", "errors", "process_cpu_seconds", "process_rss_bytes")
  SELECT u.* FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::int8[], $5::int8[], $6::int8[], $7::float8[], $8::int8[])
    AS u("deployment_id", "minute", "cpu_seconds", "memory_bytes", "requests", "errors", "process_cpu_seconds", "process_rss_bytes")
  WHERE EXISTS (SELECT 1 FROM "deployments" d WHERE d."id" = u."deployment_id")
  ON CONFLICT ("deployment_id", "minute") DO UPDATE SET
    "cpu_seconds" = "usage_minutes"."cpu_seconds" + EXCLUDED."cpu_seconds",
    "memory_bytes" = GREATEST("usage_minutes"."memory_bytes", EXCLUDED."memory_bytes"),
    "requests" = "usage_minutes"."requests" + EXCLUDED."requests",
    "errors" = "usage_minutes"."errors" + EXCLUDED."errors",
    "process_cpu_seconds" = "usage_minutes"."process_cpu_seconds" + EXCLUDED."process_cpu_seconds",
    "process_rss_bytes" = GREATEST("usage_minutes"."process_rss_bytes", EXCLUDED."process_rss_bytes")`;

/**
 * CPU and memory of each deployment over time. Callers report CPU time measured around a
 * deployment's synchronous preprocessing and inference sections, and each request's outcome;
 * a sampler folds them, the deployments' model memory and the process totals into one row per
 * deployment and minute, written when the minute closes. Conflicting rows (another replica,
 * a restart within the minute) add up, memory and RSS keep the maximum. live() answers from
 * per-second buckets in memory, without the database.
 */
export class UsageTracker {
  private readonly memoryOf: () => ReadonlyMap<string, number>;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();
  private readonly rings = new Map<string, SecondBucket[]>();
  private readonly open = new Map<string, MinuteRow>();
  private readonly processMinutes = new Map<number, ProcessMinute>();
  private readonly unsent = new Map<string, MinuteRow>();
  private lastSampleAt: number;
  private lastProcessCpu: NodeJS.CpuUsage;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    options: UsageTrackerOptions = {},
  ) {
    this.memoryOf = options.memoryOf ?? (() => new Map());
    this.now = options.now ?? Date.now;
    this.lastSampleAt = this.now();
    this.lastProcessCpu = process.cpuUsage();
  }

  /** CPU time (user + system, microseconds) of one model call of the deployment and the rows it handled. */
  recordCall(deploymentId: string, cpuMicros: number, rows: number): void {
    const cpu = Number.isFinite(cpuMicros) && cpuMicros > 0 ? cpuMicros : 0;
    this.pendingOf(deploymentId).cpuMicros += cpu;
    const bucket = this.bucket(deploymentId);
    bucket.cpuMicros += cpu;
    if (Number.isFinite(rows) && rows > 0) bucket.rows += rows;
  }

  /** One request answered by the deployment; `ok` is false for failures on the server's side. */
  recordRequest(deploymentId: string, latencyMs: number, ok: boolean): void {
    const pending = this.pendingOf(deploymentId);
    pending.requests++;
    if (!ok) pending.errors++;
    const bucket = this.bucket(deploymentId);
    bucket.requests++;
    if (!ok) bucket.errors++;
    bucket.latency[latencyBin(latencyMs)]++;
  }

  /** Samples every `intervalMs`, at multiples of it so that a sample never spans two minutes when it divides one. */
  start(intervalMs = 5000): void {
    if (!(Number.isInteger(intervalMs) && intervalMs >= 1)) throw new RangeError(`intervalMs must be a whole number ≥ 1, got ${intervalMs}`);
    if (this.timer) return;
    const schedule = () => {
      this.timer = setTimeout(tick, intervalMs - (this.now() % intervalMs));
      this.timer.unref();
    };
    const tick = () => {
      // The next tick is due whatever the database does: a slow write must not stretch a sample over minutes.
      schedule();
      void this.sample();
    };
    schedule();
  }

  /** Stops sampling and writes everything recorded so far, the current minute included. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.accumulate(this.now(), true);
    await this.write();
    if (this.unsent.size > 0) this.logger.warn({ rows: this.unsent.size }, 'usage rows could not be written before stopping and are lost');
  }

  /** Takes one sample now and writes the minutes that closed; the timer calls it, tests call it with their clock. */
  async sample(): Promise<void> {
    this.accumulate(this.now(), false);
    await this.write();
  }

  /** The deployment's figures over the last `LIVE_WINDOW_SECONDS` complete seconds. */
  live(deploymentId: string): LiveUsage {
    const current = Math.floor(this.now() / 1000);
    const latency = new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0);
    let requests = 0;
    let errors = 0;
    let rows = 0;
    let cpuMicros = 0;
    for (const bucket of this.rings.get(deploymentId) ?? []) {
      if (bucket.second < current - LIVE_WINDOW_SECONDS || bucket.second >= current) continue;
      requests += bucket.requests;
      errors += bucket.errors;
      rows += bucket.rows;
      cpuMicros += bucket.cpuMicros;
      bucket.latency.forEach((count, bin) => (latency[bin] += count));
    }
    return {
      at: new Date(current * 1000),
      requestsPerSecond: requests / LIVE_WINDOW_SECONDS,
      errorsPerSecond: errors / LIVE_WINDOW_SECONDS,
      rowsPerSecond: rows / LIVE_WINDOW_SECONDS,
      p50Ms: histogramQuantile(latency, LATENCY_EDGES_MS, 0.5),
      p95Ms: histogramQuantile(latency, LATENCY_EDGES_MS, 0.95),
      cpuSecondsPerSecond: cpuMicros / 1e6 / LIVE_WINDOW_SECONDS,
      memoryBytes: this.memoryOf().get(deploymentId) ?? 0,
    };
  }

  /**
   * One point per minute starting in [from, to), ordered, minutes without a row included
   * (no activity and no memory sampled: zeros, process figures null).
   */
  async query(db: DataSource, deploymentId: string, from: Date, to: Date): Promise<UsagePoint[]> {
    const first = Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS;
    const last = Math.floor((to.getTime() - 1) / MINUTE_MS) * MINUTE_MS;
    if (!Number.isFinite(first)) throw badInput('from', 'not a valid time');
    if (!Number.isFinite(last)) throw badInput('to', 'not a valid time');
    if (last < first) return [];
    const minutes = (last - first) / MINUTE_MS + 1;
    if (minutes > MAX_QUERY_MINUTES) throw badInput('to', `at most ${MAX_QUERY_MINUTES} minutes (7 days) in one query, got ${minutes}`);
    const rows: Array<{
      minute: Date;
      cpu_seconds: number | null;
      memory_bytes: string | null;
      requests: string | null;
      errors: string | null;
      process_cpu_seconds: number | null;
      process_rss_bytes: string | null;
    }> = await db.query(
      `SELECT m."minute", u."cpu_seconds", u."memory_bytes", u."requests", u."errors", u."process_cpu_seconds", u."process_rss_bytes"
       FROM generate_series($2::timestamptz, $3::timestamptz, interval '1 minute') AS m("minute")
       LEFT JOIN "usage_minutes" u ON u."deployment_id" = $1 AND u."minute" = m."minute"
       ORDER BY m."minute"`,
      [deploymentId, new Date(first).toISOString(), new Date(last).toISOString()],
    );
    return rows.map((row) => ({
      minute: new Date(row.minute),
      cpuSeconds: row.cpu_seconds ?? 0,
      memoryBytes: Number(row.memory_bytes ?? 0),
      requests: Number(row.requests ?? 0),
      errors: Number(row.errors ?? 0),
      processCpuSeconds: row.process_cpu_seconds,
      processRssBytes: row.process_rss_bytes === null ? null : Number(row.process_rss_bytes),
    }));
  }

  /**
   * Folds what happened since the last sample into the minute holding the middle of that
   * interval (a timer firing a few milliseconds late still credits the minute it sampled),
   * then moves the minutes that have ended (all, when `closeAll`) to the rows to write.
   */
  private accumulate(t: number, closeAll: boolean): void {
    const minute = minuteOf((this.lastSampleAt + t) / 2);
    this.lastSampleAt = t;
    const processMinute = this.processMinutes.get(minute) ?? { cpuSeconds: 0, rssBytes: 0 };
    const cpu = process.cpuUsage();
    processMinute.cpuSeconds += (cpu.user - this.lastProcessCpu.user + cpu.system - this.lastProcessCpu.system) / 1e6;
    this.lastProcessCpu = cpu;
    processMinute.rssBytes = Math.max(processMinute.rssBytes, process.memoryUsage.rss());
    this.processMinutes.set(minute, processMinute);

    const memory = this.memoryOf();
    const ids = new Set(this.pending.keys());
    for (const [id, bytes] of memory) if (bytes > 0) ids.add(id);
    for (const id of ids) {
      const key = `${id}|${minute}`;
      let row = this.open.get(key);
      if (!row) this.open.set(key, (row = emptyRow(id, minute)));
      const pending = this.pending.get(id);
      if (pending) {
        row.cpuSeconds += pending.cpuMicros / 1e6;
        row.requests += pending.requests;
        row.errors += pending.errors;
      }
      row.memoryBytes = Math.max(row.memoryBytes, Math.round(memory.get(id) ?? 0));
    }
    this.pending.clear();

    for (const [key, row] of this.open) {
      if (!closeAll && row.minute + MINUTE_MS > t) continue;
      const totals = this.processMinutes.get(row.minute);
      row.processCpuSeconds = totals?.cpuSeconds ?? 0;
      row.processRssBytes = totals?.rssBytes ?? 0;
      mergeRow(this.unsent, row);
      this.open.delete(key);
    }
    for (const closed of this.processMinutes.keys()) if (closeAll || closed + MINUTE_MS <= t) this.processMinutes.delete(closed);
    this.trimUnsent();

    // Deployments that have been quiet for a whole window (or were deleted) need no buckets.
    const current = Math.floor(t / 1000);
    for (const [id, ring] of this.rings) {
      if (ring.every((bucket) => bucket.second < current - RING_SECONDS)) this.rings.delete(id);
    }
  }

  /** Writes the closed rows in one statement, one write at a time; a failed batch waits for the next sample. */
  private write(): Promise<void> {
    const next = this.writing.then(async () => {
      if (this.unsent.size === 0) return;
      const batch = [...this.unsent.values()];
      this.unsent.clear();
      try {
        await this.db.query(UPSERT, [
          batch.map((row) => row.deploymentId),
          batch.map((row) => new Date(row.minute).toISOString()),
          batch.map((row) => row.cpuSeconds),
          batch.map((row) => row.memoryBytes),
          batch.map((row) => row.requests),
          batch.map((row) => row.errors),
          batch.map((row) => row.processCpuSeconds),
          batch.map((row) => row.processRssBytes),
        ]);
      } catch (error) {
        for (const row of batch) mergeRow(this.unsent, row);
        this.trimUnsent();
        this.logger.warn({ err: error, rows: batch.length }, 'could not write usage; retrying at the next sample');
      }
    });
    this.writing = next;
    return next;
  }

  private trimUnsent(): void {
    if (this.unsent.size <= MAX_UNSENT_ROWS) return;
    const oldest = [...this.unsent.entries()].sort(([, a], [, b]) => a.minute - b.minute).slice(0, this.unsent.size - MAX_UNSENT_ROWS);
    for (const [key] of oldest) this.unsent.delete(key);
    this.logger.warn({ rows: oldest.length }, 'usage rows dropped: the database has been unreachable for too long');
  }

  private pendingOf(deploymentId: string): Pending {
    let pending = this.pending.get(deploymentId);
    if (!pending) this.pending.set(deploymentId, (pending = { cpuMicros: 0, requests: 0, errors: 0 }));
    return pending;
  }

  private bucket(deploymentId: string): SecondBucket {
    const second = Math.floor(this.now() / 1000);
    let ring = this.rings.get(deploymentId);
    if (!ring) this.rings.set(deploymentId, (ring = Array.from({ length: RING_SECONDS }, () => emptyBucket(-Infinity))));
    const index = ((second % RING_SECONDS) + RING_SECONDS) % RING_SECONDS;
    let bucket = ring[index];
    if (bucket.second !== second) ring[index] = bucket = emptyBucket(second);
    return bucket;
  }
}

/**
 * Microseconds since `start` (a `performance.now()` reading) of a synchronous section: on the
 * one JavaScript thread that is the CPU time the section used, at a fraction of the cost of a
 * `process.cpuUsage()` system call on every request. Never measure across an await: other
 * requests' work would be counted too.
 */
export function cpuMicrosSince(start: number): number {
  return Math.round((performance.now() - start) * 1000);
}

function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function emptyRow(deploymentId: string, minute: number): MinuteRow {
  return { deploymentId, minute, cpuSeconds: 0, memoryBytes: 0, requests: 0, errors: 0, processCpuSeconds: 0, processRssBytes: 0 };
}

function emptyBucket(second: number): SecondBucket {
  return { second, requests: 0, errors: 0, rows: 0, cpuMicros: 0, latency: new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0) };
}

/** Adds `row` to the row of the same deployment and minute in `rows`, the way the upsert does. */
function mergeRow(rows: Map<string, MinuteRow>, row: MinuteRow): void {
  const key = `${row.deploymentId}|${row.minute}`;
  const existing = rows.get(key);
  if (!existing) {
    rows.set(key, row);
    return;
  }
  existing.cpuSeconds += row.cpuSeconds;
  existing.memoryBytes = Math.max(existing.memoryBytes, row.memoryBytes);
  existing.requests += row.requests;
  existing.errors += row.errors;
  existing.processCpuSeconds += row.processCpuSeconds;
  existing.processRssBytes = Math.max(existing.processRssBytes, row.processRssBytes);
}
