import pg from 'pg';
import { badInput, DomainError } from '../platform/errors';
import { connectionError, describePgError, isPgDatabaseError, SQLSTATE, targetOf } from './connector.errors';

export type DestinationColumnType = 'double precision' | 'text' | 'boolean' | 'jsonb';

export interface DestinationColumn {
  name: string;
  type: DestinationColumnType;
}

/**
 * The rows of one pipeline run on their way into an external table, all or nothing: every
 * write happens in one transaction that only `commit` makes visible.
 */
export interface TableDestination {
  /** Inserts rows; fields missing from a row are NULL, fields that are not columns are not written. */
  write(rows: Array<Record<string, unknown>>): Promise<void>;
  /** Makes the run's rows visible to others; returns how many were written. */
  commit(): Promise<number>;
  /** Leaves the table as it was before the run (safe to call after a failure or twice). */
  rollback(): Promise<void>;
}

/** Columns every destination table has, before the caller's. */
export const RUN_ID_COLUMN = 'run_id';
export const PREDICTED_AT_COLUMN = 'predicted_at';

const COLUMN_TYPES: ReadonlySet<string> = new Set<DestinationColumnType>(['double precision', 'text', 'boolean', 'jsonb']);
/** Plain SQL names only, folded to lowercase as PostgreSQL folds unquoted names: what users type later finds the table. */
const TABLE_NAME = /^(?:([A-Za-z_][A-Za-z0-9_]{0,62})\.)?([A-Za-z_][A-Za-z0-9_]{0,62})$/;
/** PostgreSQL allows 65535 bind parameters per statement. */
const MAX_PARAMETERS = 65_535;
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Opens the destination of one run: in one transaction, creates the table when it does not
 * exist (`run_id text`, `predicted_at timestamptz`, then `columns`), checks an existing one
 * has every column, and deletes the rows an earlier attempt of the same run left, so a re-run
 * shows its rows once. Nothing is visible to others until `commit`.
 *
 * `table` is `[schema.]name` in letters, digits and `_`, lowercased as PostgreSQL does for
 * unquoted names; the schema defaults to public.
 */
export async function openTableDestination(
  config: pg.ClientConfig,
  table: string,
  columns: DestinationColumn[],
  runId: string,
  options: { afterConnect?: (client: pg.Client) => Promise<void> } = {},
): Promise<TableDestination> {
  const { schema, name } = parseTableName(table);
  checkColumns(columns);
  if (typeof runId !== 'string' || !runId) throw badInput('runId', 'must be a non-empty string');

  const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
  const shown = `${schema}.${name}`;
  const target = targetOf(config);
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError('the destination table', error, target);
  }
  if (options.afterConnect) {
    try {
      await options.afterConnect(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error instanceof DomainError ? error : connectionError('the destination table', error, target);
    }
  }

  let step = 'start the transaction';
  const fail = async (error: unknown): Promise<never> => {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
    throw destinationError(error, step, shown, target.user, target.database);
  };

  try {
    await client.query('BEGIN');
    // Two attempts of the same run at once would each delete, then both insert: serialize them.
    step = 'lock the run';
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`berth:destination:${shown}:${runId}`]);
    step = 'look up the table';
    let existing = await existingColumns(client, schema, name);
    if (existing === null) {
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog (pg_type):
      // the first run creates the table alone; the others wait for its commit, then find it.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`berth:destination:${shown}`]);
      existing = await existingColumns(client, schema, name);
    }
    if (existing === null) {
      step = `create table ${shown}`;
      const definitions = [`${quoteIdentifier(RUN_ID_COLUMN)} text NOT NULL`, `${quoteIdentifier(PREDICTED_AT_COLUMN)} timestamptz NOT NULL DEFAULT now()`, ...columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`)];
      await client.query(`CREATE TABLE IF NOT EXISTS ${qualified} (${definitions.join(', ')})`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdentifier(indexName(name))} ON ${qualified} (${quoteIdentifier(RUN_ID_COLUMN)})`);
    } else {
      const missing = [RUN_ID_COLUMN, PREDICTED_AT_COLUMN, ...columns.map((c) => c.name)].filter((c) => !existing.has(c));
      if (missing.length > 0) {
        const list = missing.map((c) => `"${c}"`).join(', ');
        throw badInput('table', `table ${shown} exists but lacks the column${missing.length === 1 ? '' : 's'} ${list}; add ${missing.length === 1 ? 'it' : 'them'} (ALTER TABLE … ADD COLUMN) or choose another table`);
      }
    }
    step = `delete the earlier rows of this run from ${shown}`;
    await client.query(`DELETE FROM ${qualified} WHERE ${quoteIdentifier(RUN_ID_COLUMN)} = $1`, [runId]);
  } catch (error) {
    return fail(error);
  }

  const names = [RUN_ID_COLUMN, PREDICTED_AT_COLUMN, ...columns.map((c) => c.name)];
  const insertPrefix = `INSERT INTO ${qualified} (${names.map(quoteIdentifier).join(', ')}) VALUES `;
  // run_id and each column are parameters; predicted_at is the server's clock at the write.
  const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / (columns.length + 1)));
  let written = 0;
  let state: 'open' | 'busy' | 'done' = 'open';

  return {
    async write(rows) {
      if (state !== 'open') throw new Error(state === 'busy' ? 'write() called before the previous write finished' : 'the destination is already committed, rolled back or failed');
      state = 'busy';
      try {
        for (let start = 0; start < rows.length; start += rowsPerStatement) {
          const batch = rows.slice(start, start + rowsPerStatement);
          const values: unknown[] = [];
          const tuples = batch.map((row) => {
            const placeholders = [`$${values.push(runId)}`, 'statement_timestamp()'];
            for (const column of columns) placeholders.push(`$${values.push(toParameter(row[column.name], column.type))}`);
            return `(${placeholders.join(', ')})`;
          });
          step = `insert rows into ${shown}`;
          const result = await client.query(insertPrefix + tuples.join(', '), values);
          written += result.rowCount ?? batch.length;
        }
        state = 'open';
      } catch (error) {
        state = 'done';
        return fail(error);
      }
    },
    async commit() {
      if (state !== 'open') throw new Error('the destination is already committed, rolled back or failed');
      state = 'done';
      step = `commit the rows written to ${shown}`;
      try {
        await client.query('COMMIT');
      } catch (error) {
        return fail(error);
      }
      await client.end().catch(() => undefined);
      return written;
    },
    async rollback() {
      if (state === 'done') return;
      state = 'done';
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * Splits and checks `[schema.]name` (letters, digits, _; lowercased like an unquoted SQL
 * name); the schema defaults to public. Pipelines can call it to validate a table up front.
 */
export function parseTableName(table: string): { schema: string; name: string } {
  const match = typeof table === 'string' ? TABLE_NAME.exec(table.trim()) : null;
  if (!match) {
    throw badInput('table', `"${table}" is not a valid table name: write [schema.]name with letters, digits and _, each part starting with a letter or _ and at most 63 characters (e.g. analytics.churn_scores)`);
  }
  return { schema: (match[1] ?? 'public').toLowerCase(), name: match[2].toLowerCase() };
}

function checkColumns(columns: DestinationColumn[]): void {
  const seen = new Set<string>([RUN_ID_COLUMN, PREDICTED_AT_COLUMN]);
  for (const column of columns) {
    if (typeof column.name !== 'string' || !column.name || column.name.includes('\0') || Buffer.byteLength(column.name) > MAX_IDENTIFIER_BYTES) {
      throw badInput('columns', `column name ${JSON.stringify(column.name)} must be 1 to ${MAX_IDENTIFIER_BYTES} bytes`);
    }
    if (!COLUMN_TYPES.has(column.type)) throw badInput('columns', `column "${column.name}" has type ${JSON.stringify(column.type)}; use double precision, text, boolean or jsonb`);
    if (seen.has(column.name)) {
      throw badInput('columns', column.name === RUN_ID_COLUMN || column.name === PREDICTED_AT_COLUMN ? `column "${column.name}" is reserved: every destination table has it` : `column "${column.name}" appears twice`);
    }
    seen.add(column.name);
  }
}

/** Null when the table does not exist (or is not visible to the user). */
async function existingColumns(client: pg.Client, schema: string, name: string): Promise<Set<string> | null> {
  const { rows } = await client.query<{ exists: boolean; column: string | null }>(
    `SELECT c.oid IS NOT NULL AS exists, a.attname AS column
       FROM (SELECT to_regclass(format('%I.%I', $1::text, $2::text)) AS oid) c
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, name],
  );
  if (!rows[0]?.exists) return null;
  return new Set(rows.map((r) => r.column).filter((c): c is string => c !== null));
}

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function indexName(table: string): string {
  const suffix = '_run_id_idx';
  return table.slice(0, MAX_IDENTIFIER_BYTES - suffix.length) + suffix;
}

function toParameter(value: unknown, type: DestinationColumnType): unknown {
  if (value === undefined || value === null) return null;
  // pg would send an array as a PostgreSQL array literal and a string as is: jsonb wants JSON text.
  if (type === 'jsonb') return JSON.stringify(value);
  if (type === 'text' && typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  return value;
}

function privilegeHint(step: string): string {
  if (step.startsWith('create table')) return 'grant CREATE on the schema, or create the table beforehand and grant SELECT, INSERT and DELETE on it';
  if (step === 'look up the table') return 'grant USAGE on the schema';
  return 'grant SELECT, INSERT and DELETE on the table (DELETE replaces the rows of a re-run)';
}

function destinationError(error: unknown, step: string, table: string, user: string, database: string): Error {
  if (error instanceof DomainError) return error;
  if (isPgDatabaseError(error)) {
    const { message } = describePgError(error);
    switch (error.code) {
      case SQLSTATE.readOnlyTransaction:
        return new DomainError(
          'BAD_USER_INPUT',
          `the destination is read-only: cannot ${step} because the session of user "${user}" on database "${database}" is read-only (${message}); default_transaction_read_only may be on for the user or database, or the server is a standby: deliver to a writable primary`,
          { field: 'connector', sqlState: error.code },
        );
      case SQLSTATE.insufficientPrivilege:
        return new DomainError(
          'BAD_USER_INPUT',
          `the destination is read-only for user "${user}": cannot ${step} (${message}); ${privilegeHint(step)}`,
          { field: 'connector', sqlState: error.code },
        );
      case SQLSTATE.invalidSchemaName:
        return new DomainError('BAD_USER_INPUT', `the destination table failed: ${message}; create the schema first or choose another`, { field: 'table', sqlState: error.code });
      default:
        return new DomainError('BAD_USER_INPUT', `the destination table failed to ${step}: ${message}`, { sqlState: error.code });
    }
  }
  const text = error instanceof Error ? error.message : String(error);
  return new DomainError('UNAVAILABLE', `the destination table failed to ${step}: ${text}`);
}
