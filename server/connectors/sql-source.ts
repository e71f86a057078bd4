import pg from 'pg';
import Cursor from 'pg-cursor';
import { badInput, DomainError } from '../platform/errors';
import { connectionError, describePgError, isPgDatabaseError, SQLSTATE, targetOf } from './connector.errors';

/** One row of a SQL source, keyed by column name, values as `pg` parses them (see `readSql`). */
export type Row = Record<string, unknown>;

export interface ReadSqlOptions {
  /** Rows per chunk: the cursor fetches this many at a time, so memory stays bounded. */
  chunkRows: number;
  /** Runs once connected, before the query; throws to refuse the session (ConnectorService's policy). */
  afterConnect?: (client: pg.Client) => Promise<void>;
}

/**
 * Streams the rows of one SELECT (or WITH … SELECT) query in chunks of `chunkRows`.
 *
 * The statement is checked before connecting (one statement, SELECT or WITH), then runs in a
 * `BEGIN READ ONLY` transaction, so a write hidden in a CTE or a function fails too. The
 * cursor, transaction and connection are closed when the rows run out, on an error, and when
 * the consumer stops early (`break` calls the generator's `return()`).
 *
 * Values are as `pg` returns them: numbers, strings, booleans, null, parsed JSON; `bigint` and
 * `numeric` stay strings (no precision lost); `timestamptz` becomes an ISO 8601 string;
 * `date` and `timestamp` keep PostgreSQL's text, which has no time zone to shift.
 */
export async function* readSql(config: pg.ClientConfig, sql: string, options: ReadSqlOptions): AsyncGenerator<Row[], void, undefined> {
  if (!Number.isInteger(options.chunkRows) || options.chunkRows < 1) throw badInput('chunkRows', 'must be a positive integer');
  const statement = checkSelectStatement(sql);

  const target = targetOf(config);
  const client = new pg.Client({ ...config, types: { getTypeParser } });
  // Errors on an idle connection would otherwise be an unhandled 'error' event; the pending
  // query rejects with them anyway.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionError('the SQL source', error, target);
  }
  if (options.afterConnect) {
    try {
      await options.afterConnect(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error instanceof DomainError ? error : connectionError('the SQL source', error, target);
    }
  }

  let ended = false;
  const connectionEnded = new Promise<void>((resolve) => client.once('end', () => ((ended = true), resolve())));
  let cursor: Cursor<Row> | undefined;
  let failed = false;
  try {
    await client.query('BEGIN READ ONLY');
    cursor = client.query(new Cursor<Row>(statement));
    for (;;) {
      const rows = await cursor.read(options.chunkRows);
      if (rows.length === 0) break;
      yield rows.map(isoDates);
      if (rows.length < options.chunkRows) break;
    }
  } catch (error) {
    failed = true;
    throw sourceError(error, sql);
  } finally {
    // After an early return the cursor is mid-way: close it and the transaction before the
    // connection, so the server frees the portal at once. A failed cursor is already closed,
    // and a dropped connection never answers: don't wait for it then.
    if (cursor && !failed && !ended) await Promise.race([cursor.close().catch(() => undefined), connectionEnded]);
    if (!ended) await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

function sourceError(error: unknown, sql: string): Error {
  if (error instanceof DomainError) return error;
  if (isPgDatabaseError(error)) {
    const { message, position } = describePgError(error, sql);
    // For a data-modifying CTE PostgreSQL names the outer command ("cannot execute SELECT…"): say what is refused.
    const why = error.code === SQLSTATE.readOnlyTransaction ? ' (a SQL source runs in a read-only transaction: it may only read; writes in CTEs or functions are refused too)' : '';
    return new DomainError('BAD_USER_INPUT', `the SQL source failed: ${message}${why}`, { field: 'sql', sqlState: error.code, ...(position !== undefined ? { position } : {}) });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new DomainError('UNAVAILABLE', `the SQL source failed: ${text}`);
}

// timestamptz keeps pg's parser (to Date), turned into ISO strings by `isoDates`.
const TEXT_KEPT = new Set([1082 /* date */, 1114 /* timestamp */, 1115 /* timestamp[] */, 1182 /* date[] */]);

function getTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (TEXT_KEPT.has(oid)) return (value: string) => value;
  return pg.types.getTypeParser(oid, format as 'text');
}

function isoDates(row: Row): Row {
  for (const key in row) {
    const value = row[key];
    if (value instanceof Date) row[key] = Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  }
  return row;
}

/**
 * Accepts exactly one SELECT or WITH statement (an optional trailing `;`) and returns it
 * without the `;`, so a cursor can run it; what precedes it is blanked, not removed, so
 * PostgreSQL's error positions still point into `sql`. Comments, strings, quoted identifiers and
 * dollar-quoted bodies are skipped while looking for `;`. This check gives a clear message
 * early; the read-only transaction is what actually prevents writes.
 */
export function checkSelectStatement(sql: string): string {
  if (typeof sql !== 'string' || !sql.trim()) throw badInput('sql', 'the SQL source is empty: write one SELECT or WITH query');
  const statements = splitStatements(sql);
  const nonEmpty = statements.filter((s) => s.code.trim() !== '');
  if (nonEmpty.length === 0) throw badInput('sql', 'the SQL source holds only comments: write one SELECT or WITH query');
  if (nonEmpty.length > 1) {
    throw badInput('sql', `the SQL source must be a single query; it holds ${nonEmpty.length} statements separated by ";"`);
  }
  const keyword = nonEmpty[0].code.trim().replace(/^\(+\s*/, '').match(/^[A-Za-z_]+/)?.[0]?.toUpperCase();
  if (keyword !== 'SELECT' && keyword !== 'WITH') {
    throw badInput('sql', `the SQL source must be a SELECT or WITH query; it starts with ${keyword ?? JSON.stringify(nonEmpty[0].code.trim().slice(0, 20))}`);
  }
  return (' '.repeat(nonEmpty[0].start) + nonEmpty[0].text).trimEnd();
}

/**
 * Splits SQL on top-level `;`. `text` is each statement as written, from index `start`;
 * `code` is the same with comments removed and strings blanked, for looking at keywords.
 */
function splitStatements(sql: string): Array<{ text: string; code: string; start: number }> {
  const statements: Array<{ text: string; code: string; start: number }> = [];
  let start = 0;
  let code = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end;
      code += ' ';
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') (depth++, (i += 2));
        else if (sql[i] === '*' && sql[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
      if (depth > 0) throw badInput('sql', 'the SQL source has an unterminated /* comment');
      code += ' ';
    } else if (c === "'") {
      // E'…' strings allow backslash escapes; standard strings only ''.
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]));
      i++;
      for (;;) {
        if (i >= n) throw badInput('sql', 'the SQL source has an unterminated string literal');
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      code += "''";
    } else if (c === '"') {
      const end = findQuoteEnd(sql, i + 1, '"');
      if (end === -1) throw badInput('sql', 'the SQL source has an unterminated quoted identifier');
      code += sql.slice(i, end + 1);
      i = end + 1;
    } else if (c === '$' && (i === 0 || !/[A-Za-z0-9_$]/.test(sql[i - 1]))) {
      const tag = sql.slice(i).match(/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/)?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        if (end === -1) throw badInput('sql', `the SQL source has an unterminated dollar-quoted string ${tag}`);
        i = end + tag.length;
        code += "''";
      } else {
        code += c;
        i++;
      }
    } else if (c === ';') {
      statements.push({ text: sql.slice(start, i), code, start });
      code = '';
      i++;
      start = i;
    } else {
      code += c;
      i++;
    }
  }
  statements.push({ text: sql.slice(start), code, start });
  return statements;
}

/** The index of the closing quote (a doubled quote is an escaped one), or -1. */
function findQuoteEnd(sql: string, from: number, quote: string): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i;
    } else i++;
  }
  return -1;
}
