import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Submittable } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sqlState } from '../../platform/errors';
import type { Aggregates } from './aggregate';
import type { PredictionRecord } from './records';
import { upsertDailyRollups, upsertSums } from './rollups';

/** A pooled PostgreSQL connection (pg), as much of it as the writer needs. */
export interface LogConnection {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  query<T extends Submittable>(copy: T): T;
  release(error?: Error): void;
}

const COLUMNS = ['deployment_id', 'deployment_version', 'model_id', 'role', 'request_id', 'row_index', 'input', 'output', 'error', 'latency_ms', 'source', 'created_at'];

/**
 * One batch in one transaction: the rows in one COPY and the aggregate increments they make,
 * so the aggregates always equal what the rows say. Day partitions the batch needs are created
 * before the transaction (`partitions`: the days known to exist, kept by the caller).
 */
export async function writeBatch(tx: LogConnection, batch: PredictionRecord[], days: Set<string>, aggregates: Aggregates, partitions: Set<string>): Promise<void> {
  // Before the transaction: a partition another writer created at the same moment fails here, not the batch.
  for (const day of days) {
    if (partitions.has(day)) continue;
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    try {
      await tx.query(`CREATE TABLE IF NOT EXISTS "predictions_${day.replace(/-/g, '')}" PARTITION OF predictions FOR VALUES FROM ('${day}') TO ('${next}')`);
    } catch (error) {
      if (!createdMeanwhile(error)) throw error;
    }
    partitions.add(day);
  }
  await tx.query('BEGIN');
  if (batch.length > 0) await copyRows(tx, batch);
  await upsertSums(
    tx,
    'aggregate_counts',
    ['deployment_id', 'role', 'model_id', 'hour'],
    ['requests', 'rows', 'errors', 'shed', 'latency_ms_sum'],
    [...aggregates.counts.values()].map((c) => [c.deploymentId, c.role, c.modelId, c.hour, c.requests, c.rows, c.errors, c.shed, c.latencySum]),
  );
  await upsertSums(
    tx,
    'aggregate_bins',
    ['deployment_id', 'role', 'model_id', 'series', 'hour', 'bin'],
    ['count'],
    [...aggregates.bins.values()].map((b) => [b.deploymentId, b.role, b.modelId, b.series, b.hour, b.bin, b.count]),
  );
  await upsertSums(
    tx,
    'aggregate_pairs',
    ['deployment_id', 'hour'],
    ['pairs', 'agreements', 'sum_abs_diff', 'sum_x', 'sum_y', 'sum_xy', 'sum_xx', 'sum_yy'],
    [...aggregates.pairs.entries()].map(([key, s]) => [...key.split('|'), s.pairs, s.agreements, s.sumAbsDiff, s.sumX, s.sumY, s.sumXY, s.sumXX, s.sumYY]),
  );
  await upsertDailyRollups(tx, aggregates);
  await tx.query('COMMIT');
}

/**
 * The rows in one COPY: for PostgreSQL far cheaper than a multi-row INSERT with thousands of
 * parameters to bind, and for this thread one string instead of a parameter array.
 */
async function copyRows(tx: LogConnection, batch: PredictionRecord[]): Promise<void> {
  // An input or output shared by rows (a challenger row has its main row's input) is serialised once.
  const texts = new Map<unknown, string>();
  const json = (value: unknown) => {
    if (value === null || typeof value !== 'object') return copyText(JSON.stringify(value ?? null));
    let text = texts.get(value);
    if (text === undefined) texts.set(value, (text = copyText(JSON.stringify(value))));
    return text;
  };
  // Rows of a request share their Date.
  let date: Date | undefined;
  let iso = '';
  let text = '';
  for (const r of batch) {
    if (r.createdAt !== date) iso = (date = r.createdAt).toISOString();
    text += `${r.deploymentId}\t${r.deploymentVersion}\t${r.modelId}\t${r.role}\t${r.requestId}\t${r.rowIndex}\t${json(r.input)}\t${json(r.output)}\t${r.error == null ? '\\N' : copyText(r.error)}\t${r.latencyMs}\t${r.source}\t${iso}\n`;
  }
  const stream = tx.query(copyFrom(`COPY predictions (${COLUMNS.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([text]), stream);
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: backslash, tab and line breaks escaped. */
function copyText(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * IF NOT EXISTS is not safe against a concurrent creation: the slower one fails on the catalog's
 * unique index (23505) or finds the relation there (42P07). Either way the partition exists.
 */
function createdMeanwhile(error: unknown): boolean {
  return ['23505', '42P07'].includes(sqlState(error) ?? '');
}

export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}

/** Data errors and constraint or syntax violations: SQLSTATE classes 22, 23 and 42, not outages. */
export function isRejection(error: unknown): boolean {
  return /^(22|23|42)/.test(sqlState(error) ?? '');
}


