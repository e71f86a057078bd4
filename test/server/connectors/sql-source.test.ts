import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkSelectStatement, readSql, type Row } from '../../../server/connectors/sql-source';
import { DomainError } from '../../../server/platform/errors';
import { closedPort, externalPostgres, openConnections } from '../../support/external-postgres';

async function collect(chunks: AsyncIterable<Row[]>): Promise<Row[][]> {
  const all: Row[][] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

async function failure(chunks: AsyncIterable<Row[]>): Promise<DomainError> {
  const error = await collect(chunks).then(
    () => new Error('expected the source to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('readSql', async () => {
  const external = await externalPostgres();
  await external.admin(`
    CREATE TABLE items (id integer PRIMARY KEY, name text, score double precision, flag boolean, big bigint, amount numeric(10, 2), at timestamptz, day date, note text);
    INSERT INTO items
    SELECT i, 'item ' || i, i / 4.0, i % 2 = 0, 9007199254740993 + i, i * 1.25, timestamptz '2026-01-02 03:04:05+00' + i * interval '1 minute', date '2026-03-01', NULL
      FROM generate_series(1, 2500) AS i;
    CREATE TABLE audit (note text);
    CREATE FUNCTION sneaky() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit VALUES ('written'); RETURN 1; END $$;
  `);
  const reader = await external.createRole(['GRANT SELECT ON items TO {role}']);
  // May write: only the read-only transaction stops the sneaky statements below.
  const writer = await external.createRole(['GRANT ALL ON items, audit TO {role}']);

  it('streams a 2 500-row table in chunks of 1 000, in order, with pg values', async () => {
    const chunks = await collect(readSql(external.config(reader), 'SELECT * FROM items ORDER BY id', { chunkRows: 1000 }));
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    const rows = chunks.flat();
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(rows[0]).toEqual({
      id: 1,
      name: 'item 1',
      score: 0.25,
      flag: false,
      big: '9007199254740994',
      amount: '1.25',
      at: '2026-01-02T03:05:05.000Z',
      day: '2026-03-01',
      note: null,
    });
    expect(rows[2499]).toMatchObject({ id: 2500, name: 'item 2500', flag: true, at: '2026-01-03T20:44:05.000Z' });
    expect(await openConnections(external, reader.user)).toBe(0);
  });

  it('ends a chunk early on the last rows, and yields nothing for no rows', async () => {
    expect((await collect(readSql(external.config(reader), 'SELECT id FROM items WHERE id <= 2000;', { chunkRows: 1000 }))).map((c) => c.length)).toEqual([1000, 1000]);
    expect(await collect(readSql(external.config(reader), 'SELECT id FROM items WHERE false', { chunkRows: 1000 }))).toEqual([]);
  });

  it('closes the cursor and the connection when the consumer stops early', async () => {
    let seen = 0;
    for await (const chunk of readSql(external.config(reader), 'SELECT * FROM items ORDER BY id', { chunkRows: 100 })) {
      seen += chunk.length;
      break;
    }
    expect(seen).toBe(100);
    expect(await openConnections(external, reader.user)).toBe(0);
  });

  it('refuses anything but one SELECT or WITH query before connecting', async () => {
    // A closed port: had it tried to connect, the error would say the host is unreachable.
    const nowhere = { ...external.config(reader), host: '127.0.0.1', port: await closedPort() };
    const refused = await failure(readSql(nowhere, 'DELETE FROM items', { chunkRows: 10 }));
    expect(refused.code).toBe('BAD_USER_INPUT');
    expect(refused.message).toBe('sql: the SQL source must be a SELECT or WITH query; it starts with DELETE');
    expect((await failure(readSql(nowhere, 'SELECT 1; DELETE FROM items', { chunkRows: 10 }))).message).toBe('sql: the SQL source must be a single query; it holds 2 statements separated by ";"');
    expect((await failure(readSql(nowhere, '  -- nothing\n', { chunkRows: 10 }))).message).toMatch(/holds only comments/);
    expect((await failure(readSql(nowhere, 'SELECT 1', { chunkRows: 0 }))).message).toBe('chunkRows: must be a positive integer');
    expect((await failure(readSql(nowhere, 'SELECT 1', { chunkRows: 10 }))).message).toMatch(/^the SQL source could not connect: host unreachable: nothing accepts connections on 127\.0\.0\.1:\d+/);
  });

  it('tells statements apart without being fooled by strings, comments and dollar quotes', () => {
    expect(checkSelectStatement('select 1;')).toBe('select 1');
    expect(checkSelectStatement("SELECT ';' AS a, $$;$$ AS b, $x$ ; $x$ AS c, \"se;mi\" FROM t -- trailing; comment\n;  ")).toBe("SELECT ';' AS a, $$;$$ AS b, $x$ ; $x$ AS c, \"se;mi\" FROM t -- trailing; comment");
    expect(checkSelectStatement("/* lead; /* nested; */ */ WITH a AS (SELECT E'it\\'s;') SELECT * FROM a")).toContain('WITH a AS');
    expect(checkSelectStatement('(SELECT 1) UNION (SELECT 2)')).toBe('(SELECT 1) UNION (SELECT 2)');
    // What precedes the statement is blanked, not removed: error positions still point into the text.
    expect(checkSelectStatement('; SELECT 1')).toBe('  SELECT 1');
    expect(() => checkSelectStatement("SELECT 'unterminated")).toThrow(/unterminated string literal/);
    expect(() => checkSelectStatement('INSERT INTO t SELECT 1')).toThrow(/it starts with INSERT/);
    expect(() => checkSelectStatement("SELECT 1; SELECT ';'")).toThrow(/holds 2 statements/);
    expect(() => checkSelectStatement('')).toThrow(/is empty/);
  });

  it('fails a write hidden in a CTE, and nothing is written', async () => {
    const error = await failure(readSql(external.config(writer), 'WITH gone AS (DELETE FROM items RETURNING id) SELECT * FROM gone', { chunkRows: 100 }));
    expect(error.code).toBe('BAD_USER_INPUT');
    // PostgreSQL names the outer command of a data-modifying CTE; the rest of the message says why.
    expect(error.message).toBe('the SQL source failed: cannot execute SELECT in a read-only transaction (a SQL source runs in a read-only transaction: it may only read; writes in CTEs or functions are refused too)');
    expect((await external.admin('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(2500);
  });

  it('fails a write hidden in a function, and nothing is written', async () => {
    const error = await failure(readSql(external.config(writer), 'SELECT sneaky() AS x', { chunkRows: 100 }));
    expect(error.message).toMatch(/^the SQL source failed: cannot execute INSERT in a read-only transaction/);
    // Nor can the statement switch its transaction back to read-write.
    const switched = await failure(readSql(external.config(writer), "SELECT set_config('transaction_read_only', 'off', true)", { chunkRows: 100 }));
    expect(switched.message).toMatch(/^the SQL source failed: transaction read-write mode must be set before any query/);
    expect((await external.admin('SELECT count(*)::int AS n FROM audit')).rows[0].n).toBe(0);
    expect(await openConnections(external, writer.user)).toBe(0);
  });

  it('reports a syntax error with its position', async () => {
    const error = await failure(readSql(external.config(reader), 'SELECT id,\nFROM items', { chunkRows: 100 }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('the SQL source failed: syntax error at or near "FROM" (at character 12: line 2, column 1)');
    expect(error.details).toMatchObject({ field: 'sql', position: 12, sqlState: '42601' });
    const denied = await failure(readSql(external.config(reader), 'SELECT * FROM audit', { chunkRows: 100 }));
    expect(denied.message).toBe('the SQL source failed: permission denied for table audit');
  });

  it('rethrows an error in the middle of the stream after the rows before it, and closes the connection', async () => {
    const chunks: number[] = [];
    const error = await (async () => {
      for await (const chunk of readSql(external.config(reader), 'SELECT i, 1 / (i - 1500) AS x FROM generate_series(1, 2500) AS i', { chunkRows: 1000 })) chunks.push(chunk.length);
    })().catch((e: unknown) => e);
    expect(chunks).toEqual([1000]);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'the SQL source failed: division by zero' });
    expect(await openConnections(external, reader.user)).toBe(0);
  });

  it('says when the server never answers within the connection timeout', async () => {
    // Accepts TCP connections and never speaks: what a black-holing firewall looks like.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const error = await failure(readSql({ ...external.config(reader), host: '127.0.0.1', port, connectionTimeoutMillis: 200 }, 'SELECT 1', { chunkRows: 10 }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toBe(`the SQL source could not connect: host unreachable: no answer from 127.0.0.1:${port} within the connection timeout; a firewall may drop the connection, or the host is down`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
