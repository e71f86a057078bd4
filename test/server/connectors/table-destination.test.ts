import { describe, expect, it } from 'vitest';
import { openTableDestination, parseTableName, type DestinationColumn } from '../../../server/connectors/table-destination';
import { DomainError } from '../../../server/platform/errors';
import { closedPort, externalPostgres, openConnections } from '../../support/external-postgres';

const COLUMNS: DestinationColumn[] = [
  { name: 'Sepal Length', type: 'double precision' },
  { name: 'species', type: 'text' },
  { name: 'prediction', type: 'text' },
  { name: 'probability_setosa', type: 'double precision' },
  { name: 'is_test', type: 'boolean' },
  { name: 'input', type: 'jsonb' },
  { name: 'model_role', type: 'text' },
];

const row = (i: number) => ({ 'Sepal Length': 5 + i / 10, species: `s${i}`, prediction: 'setosa', probability_setosa: 0.9, is_test: i % 2 === 0, input: { i, tags: ['a'] }, model_role: 'main' });

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('openTableDestination', async () => {
  const external = await externalPostgres();
  await external.admin('CREATE SCHEMA analytics');
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}', 'GRANT CREATE, USAGE ON SCHEMA analytics TO {role}']);
  const reader = await external.createRole();
  const readOnlySession = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}', 'ALTER ROLE {role} SET default_transaction_read_only = on']);
  const count = async (table: string, runId?: string): Promise<number> =>
    (await external.admin(`SELECT count(*)::int AS n FROM ${table}${runId ? ' WHERE run_id = $1' : ''}`, runId ? [runId] : [])).rows[0].n;
  const exists = async (table: string): Promise<boolean> => (await external.admin('SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0].e;

  it('creates the table and makes the rows visible only at commit', async () => {
    const destination = await openTableDestination(external.config(writer), 'scores', COLUMNS, 'run-1');
    await destination.write([row(1), row(2)]);
    await destination.write([row(3), { species: 'partial' }]);
    // Nothing is visible to others yet, not even the new table.
    expect(await exists('public.scores')).toBe(false);
    expect(await destination.commit()).toBe(4);

    const { rows } = await external.admin('SELECT * FROM public.scores ORDER BY species');
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.species === 's1')).toMatchObject({ run_id: 'run-1', 'Sepal Length': 5.1, species: 's1', prediction: 'setosa', probability_setosa: 0.9, is_test: false, input: { i: 1, tags: ['a'] }, model_role: 'main' });
    expect(rows[0].predicted_at).toBeInstanceOf(Date);
    expect(rows.find((r) => r.species === 'partial')).toMatchObject({ run_id: 'run-1', 'Sepal Length': null, prediction: null, input: null });
    const columns = await external.admin(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'scores' ORDER BY ordinal_position`);
    expect(columns.rows.map((c) => `${c.column_name} ${c.data_type}`)).toEqual([
      'run_id text',
      'predicted_at timestamp with time zone',
      'Sepal Length double precision',
      'species text',
      'prediction text',
      'probability_setosa double precision',
      'is_test boolean',
      'input jsonb',
      'model_role text',
    ]);
    expect(await openConnections(external, writer.user)).toBe(0);
  });

  it('leaves nothing behind on rollback: neither rows nor a table it created', async () => {
    const fresh = await openTableDestination(external.config(writer), 'analytics.never', COLUMNS, 'run-x');
    await fresh.write([row(1), row(2)]);
    await fresh.rollback();
    await fresh.rollback();
    expect(await exists('analytics.never')).toBe(false);

    const existing = await openTableDestination(external.config(writer), 'scores', COLUMNS, 'run-2');
    await existing.write([row(1), row(2), row(3)]);
    await existing.rollback();
    expect(await count('scores', 'run-2')).toBe(0);
    expect(await count('scores')).toBe(4);
    await expect(existing.commit()).rejects.toThrow(/already committed, rolled back or failed/);
  });

  it('rolls back everything when a write fails, and says which value was wrong', async () => {
    const destination = await openTableDestination(external.config(writer), 'scores', COLUMNS, 'run-3');
    await destination.write([row(1), row(2)]);
    const error = await rejection(destination.write([{ ...row(3), 'Sepal Length': 'wide' }]));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('the destination table failed to insert rows into public.scores: invalid input syntax for type double precision: "wide"');
    await expect(destination.commit()).rejects.toThrow(/already committed, rolled back or failed/);
    await destination.rollback();
    expect(await count('scores', 'run-3')).toBe(0);
    expect(await openConnections(external, writer.user)).toBe(0);
  });

  it('replaces the rows of a re-run: each run appears exactly once', async () => {
    const run = async (runId: string, rows: Array<Record<string, unknown>>, table = 'analytics.reruns') => {
      const destination = await openTableDestination(external.config(writer), table, COLUMNS, runId);
      await destination.write(rows);
      return destination.commit();
    };
    expect(await run('run-a', [row(1), row(2), row(3)])).toBe(3);
    expect(await run('run-b', [row(4)])).toBe(1);
    // The same table, named as an unquoted SQL name may be.
    expect(await run('run-a', [row(1), row(2), row(3)], 'Analytics.Reruns')).toBe(3);
    expect(await count('analytics.reruns', 'run-a')).toBe(3);
    expect(await run('run-a', [row(5), row(6)])).toBe(2);
    const { rows } = await external.admin(`SELECT run_id, species FROM analytics.reruns ORDER BY run_id, species`);
    expect(rows).toEqual([
      { run_id: 'run-a', species: 's5' },
      { run_id: 'run-a', species: 's6' },
      { run_id: 'run-b', species: 's4' },
    ]);
  });

  it('writes more rows at once than one statement can carry', async () => {
    const destination = await openTableDestination(external.config(writer), 'analytics.big', COLUMNS, 'run-big');
    // 10 000 rows × 8 parameters is more than PostgreSQL's 65 535 per statement.
    await destination.write(Array.from({ length: 10_000 }, (_, i) => row(i)));
    expect(await destination.commit()).toBe(10_000);
    expect(await count('analytics.big', 'run-big')).toBe(10_000);
  });

  it('refuses an existing table that lacks columns, naming them', async () => {
    await external.admin('CREATE TABLE legacy (run_id text, predicted_at timestamptz, "Sepal Length" double precision, species text)');
    await external.admin(`GRANT SELECT, INSERT, DELETE ON legacy TO "${writer.user}"`);
    const error = await rejection(openTableDestination(external.config(writer), 'legacy', COLUMNS, 'run-1'));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(
      'table: table public.legacy exists but lacks the columns "prediction", "probability_setosa", "is_test", "input", "model_role"; add them (ALTER TABLE … ADD COLUMN) or choose another table',
    );
    expect(await openConnections(external, writer.user)).toBe(0);
    // With the columns it asks for, the same table works.
    const fits = await openTableDestination(external.config(writer), 'legacy', COLUMNS.slice(0, 2), 'run-1');
    await fits.write([{ 'Sepal Length': 1, species: 'x' }]);
    expect(await fits.commit()).toBe(1);
  });

  it('refuses a bad table name or bad columns before connecting', async () => {
    const nowhere = { ...external.config(writer), host: '127.0.0.1', port: await closedPort() };
    for (const table of ['a.b.c', 'my-scores', 'x; DROP TABLE y', '"quoted"', '1abc', 'a'.repeat(64), '']) {
      const error = await rejection(openTableDestination(nowhere, table, COLUMNS, 'run-1'));
      expect(error.message).toMatch(/^table: ".*" is not a valid table name: write \[schema\.\]name with letters, digits and _/);
    }
    expect(parseTableName('analytics.churn_scores')).toEqual({ schema: 'analytics', name: 'churn_scores' });
    expect(parseTableName('scores')).toEqual({ schema: 'public', name: 'scores' });
    // As PostgreSQL reads an unquoted name: SELECT * FROM Analytics.Churn_Scores finds it later.
    expect(parseTableName('Analytics.Churn_Scores')).toEqual({ schema: 'analytics', name: 'churn_scores' });
    expect((await rejection(openTableDestination(nowhere, 'ok', [{ name: 'run_id', type: 'text' }], 'run-1'))).message).toMatch(/column "run_id" is reserved/);
    expect((await rejection(openTableDestination(nowhere, 'ok', [{ name: 'a', type: 'integer' as 'text' }], 'run-1'))).message).toMatch(/use double precision, text, boolean or jsonb/);
    expect((await rejection(openTableDestination(nowhere, 'ok', [...COLUMNS, COLUMNS[0]], 'run-1'))).message).toMatch(/"Sepal Length" appears twice/);
  });

  describe('a read-only destination gets a precise error', () => {
    it('a user without CREATE, for a new table', async () => {
      const error = await rejection(openTableDestination(external.config(reader), 'analytics.nope', COLUMNS, 'run-1'));
      expect(error.message).toMatch(new RegExp(`^the destination is read-only for user "${reader.user}": cannot look up the table \\(permission denied for schema analytics\\); grant USAGE on the schema$`));
      const inPublic = await rejection(openTableDestination(external.config(reader), 'nope', COLUMNS, 'run-1'));
      expect(inPublic.message).toBe(
        `the destination is read-only for user "${reader.user}": cannot create table public.nope (permission denied for schema public); grant CREATE on the schema, or create the table beforehand and grant SELECT, INSERT and DELETE on it`,
      );
      expect(await exists('public.nope')).toBe(false);
    });

    it('a user with only SELECT on an existing table', async () => {
      await external.admin(`GRANT SELECT ON scores TO "${reader.user}"`);
      const error = await rejection(openTableDestination(external.config(reader), 'scores', COLUMNS, 'run-1'));
      expect(error.message).toBe(
        `the destination is read-only for user "${reader.user}": cannot delete the earlier rows of this run from public.scores (permission denied for table scores); grant SELECT, INSERT and DELETE on the table (DELETE replaces the rows of a re-run)`,
      );
      expect(await count('scores', 'run-1')).toBe(4);
    });

    it('a session with default_transaction_read_only', async () => {
      const error = await rejection(openTableDestination(external.config(readOnlySession), 'ro_scores', COLUMNS, 'run-1'));
      expect(error.message).toBe(
        `the destination is read-only: cannot create table public.ro_scores because the session of user "${readOnlySession.user}" on database "${external.database}" is read-only (cannot execute CREATE TABLE in a read-only transaction); default_transaction_read_only may be on for the user or database, or the server is a standby: deliver to a writable primary`,
      );
      expect(await openConnections(external, readOnlySession.user)).toBe(0);
    });

    it('an unreachable server', async () => {
      const port = await closedPort();
      const error = await rejection(openTableDestination({ ...external.config(writer), host: '127.0.0.1', port }, 'scores', COLUMNS, 'run-1'));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(new RegExp(`^the destination table could not connect: host unreachable: nothing accepts connections on 127\\.0\\.0\\.1:${port}`));
    });
  });
});
