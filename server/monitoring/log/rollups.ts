import type { PairSums } from '../statistics';

/**
 * Daily rollups of the hourly aggregates, and how a range is read from both.
 *
 * Each hourly table (aggregate_counts, aggregate_bins, aggregate_pairs) has a daily twin
 * (`…_daily`, keyed by the UTC midnight `day` instead of `hour`) that holds the sum of its 24
 * hours. The log writer upserts both in the same transaction, the daily increments derived in
 * memory from the batch's hourly ones (never by rescanning anything), so a day always equals the
 * sum of its hours. A range is then read as whole UTC days from the daily tables plus the partial
 * days at its edges from the hourly ones: the rows a chart reads grow with the length of the
 * range, not with how many predictions filled each hour's bins.
 */

const DAY_MS = 86_400_000;

/** What the writer adds to one aggregate_counts row (hourly or daily). */
export interface CountsIncrement {
  deploymentId: string;
  role: string;
  modelId: string;
  hour: string;
  requests: number;
  rows: number;
  errors: number;
  shed: number;
  latencySum: number;
}

/** What the writer adds to one aggregate_bins row. */
export interface BinIncrement {
  deploymentId: string;
  role: string;
  modelId: string;
  series: string;
  hour: string;
  bin: number;
  count: number;
}

/**
 * A batch's hourly increments, as `aggregate()` in prediction-log-writer.ts builds them: `hour` is an
 * ISO string truncated to the hour; `pairs` is keyed by `${deploymentId}|${hour}`.
 */
export interface HourlyIncrements {
  counts: ReadonlyMap<string, CountsIncrement> | Iterable<CountsIncrement>;
  bins: ReadonlyMap<string, BinIncrement> | Iterable<BinIncrement>;
  pairs: ReadonlyMap<string, PairSums>;
}

/** The daily increments: the same rows with `hour` replaced by its UTC midnight (`day`), summed per key. */
export interface DailyIncrements {
  counts: Array<Omit<CountsIncrement, 'hour'> & { day: string }>;
  bins: Array<Omit<BinIncrement, 'hour'> & { day: string }>;
  pairs: Array<PairSums & { deploymentId: string; day: string }>;
}

/** The UTC midnight of an ISO hour string ('2026-11-25T13:00:00.000Z' → '2026-11-25T00:00:00.000Z'). */
export function dayOf(hour: string): string {
  return `${hour.slice(0, 10)}T00:00:00.000Z`;
}

const valuesOf = <T>(rows: ReadonlyMap<string, T> | Iterable<T>): Iterable<T> => (rows instanceof Map ? rows.values() : (rows as Iterable<T>));

/** Sums a batch's hourly increments into daily ones: one row per key and UTC day. */
export function dailyRollups(hourly: HourlyIncrements): DailyIncrements {
  const counts = new Map<string, DailyIncrements['counts'][number]>();
  for (const c of valuesOf(hourly.counts)) {
    const day = dayOf(c.hour);
    const key = `${c.deploymentId}|${c.role}|${c.modelId}|${day}`;
    const entry = counts.get(key);
    if (!entry) {
      counts.set(key, { deploymentId: c.deploymentId, role: c.role, modelId: c.modelId, day, requests: c.requests, rows: c.rows, errors: c.errors, shed: c.shed, latencySum: c.latencySum });
      continue;
    }
    entry.requests += c.requests;
    entry.rows += c.rows;
    entry.errors += c.errors;
    entry.shed += c.shed;
    entry.latencySum += c.latencySum;
  }
  const bins = new Map<string, DailyIncrements['bins'][number]>();
  for (const b of valuesOf(hourly.bins)) {
    const day = dayOf(b.hour);
    const key = `${b.deploymentId}\u0000${b.role}\u0000${b.modelId}\u0000${b.series}\u0000${day}\u0000${b.bin}`;
    const entry = bins.get(key);
    if (entry) entry.count += b.count;
    else bins.set(key, { deploymentId: b.deploymentId, role: b.role, modelId: b.modelId, series: b.series, day, bin: b.bin, count: b.count });
  }
  const pairs = new Map<string, DailyIncrements['pairs'][number]>();
  for (const [key, s] of hourly.pairs) {
    const [deploymentId, hour] = key.split('|');
    const day = dayOf(hour);
    const dayKey = `${deploymentId}|${day}`;
    const entry = pairs.get(dayKey);
    if (!entry) {
      pairs.set(dayKey, { deploymentId, day, ...s });
      continue;
    }
    entry.pairs += s.pairs;
    entry.agreements += s.agreements;
    entry.sumAbsDiff += s.sumAbsDiff;
    entry.sumX += s.sumX;
    entry.sumY += s.sumY;
    entry.sumXY += s.sumXY;
    entry.sumXX += s.sumXX;
    entry.sumYY += s.sumYY;
  }
  return { counts: [...counts.values()], bins: [...bins.values()], pairs: [...pairs.values()] };
}

export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Adds a batch's daily increments to the daily tables, inside the writer's transaction and after
 * its hourly upserts. Rows are sorted by key, and the tables always taken in the same order, as
 * the hourly upserts do: concurrent writers lock rows in the same order and cannot deadlock.
 */
export async function upsertDailyRollups(tx: Queryable, hourly: HourlyIncrements): Promise<void> {
  const daily = dailyRollups(hourly);
  await upsertSums(
    tx,
    'aggregate_counts_daily',
    ['deployment_id', 'role', 'model_id', 'day'],
    ['requests', 'rows', 'errors', 'shed', 'latency_ms_sum'],
    daily.counts.map((c) => [c.deploymentId, c.role, c.modelId, c.day, c.requests, c.rows, c.errors, c.shed, c.latencySum]),
  );
  await upsertSums(
    tx,
    'aggregate_bins_daily',
    ['deployment_id', 'role', 'model_id', 'series', 'day', 'bin'],
    ['count'],
    daily.bins.map((b) => [b.deploymentId, b.role, b.modelId, b.series, b.day, b.bin, b.count]),
  );
  await upsertSums(
    tx,
    'aggregate_pairs_daily',
    ['deployment_id', 'day'],
    ['pairs', 'agreements', 'sum_abs_diff', 'sum_x', 'sum_y', 'sum_xy', 'sum_xx', 'sum_yy'],
    daily.pairs.map((s) => [s.deploymentId, s.day, s.pairs, s.agreements, s.sumAbsDiff, s.sumX, s.sumY, s.sumXY, s.sumXX, s.sumYY]),
  );
}

function compareKeys(a: unknown[], b: unknown[], length: number): number {
  for (let i = 0; i < length; i++) {
    const [x, y] = [String(a[i]), String(b[i])];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Multi-row INSERT … ON CONFLICT DO UPDATE adding to the existing sums; rows must be unique per
 * key. Sorted by key: concurrent writers lock rows in the same order (no deadlock).
 */
export async function upsertSums(tx: Queryable, table: string, keys: string[], sums: string[], rows: unknown[][]): Promise<void> {
  rows.sort((a, b) => compareKeys(a, b, keys.length));
  const width = keys.length + sums.length;
  const perStatement = Math.floor(65535 / width);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values = chunk.map((_, i) => `(${Array.from({ length: width }, (_, c) => `$${i * width + c + 1}`).join(', ')})`);
    await tx.query(
      `INSERT INTO ${table} (${[...keys, ...sums].join(', ')}) VALUES ${values.join(', ')}
       ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${sums.map((s) => `${s} = ${table}.${s} + EXCLUDED.${s}`).join(', ')}`,
      chunk.flat(),
    );
  }
}

/** A time range of aggregates: whole hours, `from` inclusive, `to` exclusive. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * The parts of a range of whole hours: its whole UTC days (null when it holds none), read from
 * the daily tables, and the hours before the first and after the last of its midnights (none,
 * one or two ranges), read from the hourly tables. Together they cover the range exactly once.
 */
export function splitRange(range: TimeRange): { days: TimeRange | null; hours: TimeRange[] } {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const firstMidnight = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastMidnight = Math.floor(to / DAY_MS) * DAY_MS;
  if (firstMidnight >= lastMidnight) return { days: null, hours: from < to ? [range] : [] };
  const hours: TimeRange[] = [];
  if (from < firstMidnight) hours.push({ from: range.from, to: new Date(firstMidnight) });
  if (lastMidnight < to) hours.push({ from: new Date(lastMidnight), to: range.to });
  return { days: { from: new Date(firstMidnight), to: new Date(lastMidnight) }, hours };
}

export type AggregateTable = 'aggregate_counts' | 'aggregate_bins' | 'aggregate_pairs';

/**
 * A subquery (in parentheses; alias it) yielding `columns` and a `time` column (the hour, or the
 * day of a daily row) of the rows of `table` matching `where` in `range`: whole UTC days from its
 * daily rollup, the rest from the hourly table; `hourly: true` reads the hourly table only, for
 * hourly points. `where` refers to `parameters` as $1…$n; the range bounds are appended.
 */
export function aggregateRows(table: AggregateTable, columns: string, where: string, range: TimeRange, parameters: unknown[], options: { hourly?: boolean } = {}): { sql: string; parameters: unknown[] } {
  const { days, hours } = options.hourly ? { days: null, hours: [range] } : splitRange(range);
  const values = [...parameters];
  const select = (source: string, time: 'hour' | 'day', part: TimeRange) => {
    values.push(part.from, part.to);
    return `SELECT ${time} AS time, ${columns} FROM ${source} WHERE ${where} AND ${time} >= $${values.length - 1} AND ${time} < $${values.length}`;
  };
  const selects = [...(days ? [select(`${table}_daily`, 'day', days)] : []), ...hours.map((part) => select(table, 'hour', part))];
  // An empty range still needs a well-formed (empty) subquery.
  if (selects.length === 0) selects.push(select(table, 'hour', range));
  return { sql: `(${selects.join(' UNION ALL ')})`, parameters: values };
}
