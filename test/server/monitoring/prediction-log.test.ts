import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/platform/logger';
import { migrate } from '../../../server/platform/database';
import { berthDataSource } from '../../../server/entities';
import { PredictionLog, type PredictionRecord } from '../../../server/monitoring/log/prediction-log';
import { WireBatch } from '../../../server/monitoring/log/wire';
import { aggregate } from '../../../server/monitoring/log/aggregate';
import { writeBatch, type LogConnection } from '../../../server/monitoring/log/batch-transaction';
import { csvLine } from '../../../server/platform/csv';
import type { RunPredictions } from '../../../server/monitoring/log/records';
import { testDatabase } from '../../support/database';
import { letTimePass, waitFor } from '../../support/wait';

/**
 * The prediction log on its own thread against a real PostgreSQL: rows beyond its memory bound
 * wait on disk, none is lost, and shutdown says what it could not write.
 */
describe('prediction log', () => {
  let url: string;
  let admin: pg.Client;
  let database: string;
  const deploymentId = randomUUID();
  const modelId = randomUUID();
  const logs: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void logs.push(line) });

  beforeAll(async () => {
    ({ url } = await testDatabase());
    const db = berthDataSource(url);
    await db.initialize();
    await migrate(db);
    // The writer does not need the deployment to exist; the aggregates' foreign keys would.
    const constraints: Array<{ t: string; conname: string }> = await db.query(`SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE confrelid = 'deployments'::regclass AND conrelid::regclass::text LIKE 'aggregate%'`);
    for (const r of constraints) await db.query(`ALTER TABLE ${r.t} DROP CONSTRAINT "${r.conname}"`);
    await db.destroy();
    database = new URL(url).pathname.slice(1);
    admin = new pg.Client({ connectionString: url.replace(`/${database}`, '/postgres') });
    await admin.connect();
  });
  afterAll(() => admin?.end());

  const rows = (n: number, requestId = randomUUID()): PredictionRecord[] =>
    Array.from({ length: n }, (_, rowIndex) => ({
      deploymentId,
      deploymentVersion: 1,
      modelId,
      role: 'main',
      requestId,
      rowIndex,
      input: { x: rowIndex },
      output: { prediction: rowIndex % 2 === 0 ? 'even' : 'odd' },
      latencyMs: 1,
      source: 'pipeline',
      createdAt: new Date(),
      binning: { profile: null, predictions: null },
    }));

  const databaseAway = async () => {
    await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
  };
  const databaseBack = () => admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
  const count = async (requestIds: string[]) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows: [counted] } = await client.query(`SELECT count(*)::int AS rows, count(DISTINCT (request_id, row_index))::int AS distinct FROM predictions WHERE request_id = ANY($1)`, [requestIds]);
    const { rows: [aggregated] } = await client.query(`SELECT coalesce(sum(rows), 0)::int AS rows FROM aggregate_counts WHERE deployment_id = $1`, [deploymentId]);
    await client.end();
    return { ...counted, aggregated: aggregated.rows };
  };
  const spillDir = () => path.join(os.tmpdir(), `berth-spill-${randomUUID()}`);

  it('spills what exceeds its memory while the database is away, then writes every row once', async () => {
    const dir = spillDir();
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: dir, maxBufferedRows: 500, flushMs: 20 });
    const requestIds: string[] = [];
    await databaseAway();
    try {
      for (let i = 0; i < 60; i++) {
        const batch = rows(100);
        requestIds.push(batch[0]!.requestId);
        log.record(batch);
      }
      // In memory: the bound, give or take one message (1000 rows) read back from disk.
      await waitFor('rows on disk', () => log.stats.spilled >= 6000 - 500 - 1000 && existsSync(dir) && readdirSync(dir).length > 0);
      expect(log.stats.buffered).toBe(6000);
      await waitFor('a failed write', () => log.stats.failedFlushes > 0);
    } finally {
      await databaseBack();
    }
    await log.flush();
    expect(await count(requestIds)).toMatchObject({ rows: 6000, distinct: 6000 });
    expect(log.stats).toMatchObject({ written: 6000, buffered: 0, spilled: 0, lost: 0 });
    await log.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps the aggregates equal to the rows it wrote', async () => {
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), maxBufferedRows: 300 });
    const before = await count([]);
    const requestIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const batch = rows(50);
      requestIds.push(batch[0]!.requestId);
      log.record(batch);
    }
    await log.close();
    const after = await count(requestIds);
    expect(after.rows).toBe(1000);
    expect(after.aggregated - before.aggregated).toBe(1000);
  });

  it('holds callers of whenWritable() back beyond its backlog bound until rows are written', async () => {
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), maxBacklogRows: 150, flushMs: 20 });
    await databaseAway();
    let writable = false;
    try {
      log.record(rows(200));
      void log.whenWritable().then(() => (writable = true));
      await waitFor('a failed write', () => log.stats.failedFlushes > 0);
      expect(writable).toBe(false);
    } finally {
      await databaseBack();
    }
    await waitFor('room in the backlog', () => writable);
    expect(log.stats.written).toBe(200);
    await log.close();
  });

  /** A spill folder under a data folder's spill parent, named as Berth names them. */
  const spillParent = () => path.join(os.tmpdir(), `berth-spill-parent-${randomUUID()}`);
  const spillFolder = (parent: string, pid = process.pid) => path.join(parent, `${pid}-${randomUUID().slice(0, 8)}`);

  it('on close, keeps what it could not write on disk, and the next log on the data folder writes every row once', async () => {
    const parent = spillParent();
    const dir = spillFolder(parent);
    logs.length = 0;
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: dir, maxBufferedRows: 100, flushMs: 20 });
    const requestIds: string[] = [];
    await databaseAway();
    try {
      // Three messages: the first is read back into memory to be written, the others stay on disk.
      for (let i = 0; i < 3; i++) {
        const batch = rows(1000);
        requestIds.push(batch[0]!.requestId);
        log.record(batch);
      }
      await waitFor('a failed write', () => log.stats.failedFlushes > 0);
      await log.close(500);
    } finally {
      await databaseBack();
    }
    expect(log.stats.lost).toBe(0);
    expect(readdirSync(dir).filter((name) => name.endsWith('.jsonl')).length).toBeGreaterThan(1);
    expect(logs.join('\n')).toContain('kept on disk; the next start on this data folder writes them');
    // The values of the rows never reach the logs.
    expect(logs.join('\n')).not.toContain('"x":');

    const before = await count([]);
    const next = new PredictionLog(logger, { databaseUrl: url, spillDir: spillFolder(parent), flushMs: 20 });
    await waitFor('the kept rows to be written', () => next.stats.written === 3000);
    expect(await count(requestIds)).toMatchObject({ rows: 3000, distinct: 3000 });
    expect((await count([])).aggregated - before.aggregated).toBe(3000);
    expect(next.stats).toMatchObject({ buffered: 0, spilled: 0, lost: 0 });
    expect(existsSync(dir)).toBe(false);
    await next.close();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('writes a batch whose day partition another process is creating at the same moment', async () => {
    const other = new pg.Client({ connectionString: url });
    const writer = new pg.Client({ connectionString: url });
    await Promise.all([other.connect(), writer.connect()]);
    try {
      // Another writer's CREATE TABLE IF NOT EXISTS, not committed yet when this one creates the same partition.
      await other.query('BEGIN');
      await other.query(`CREATE TABLE IF NOT EXISTS "predictions_20310305" PARTITION OF predictions FOR VALUES FROM ('2031-03-05') TO ('2031-03-06')`);
      const { rows: [{ pid }] } = await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const batch = rows(5).map((r) => ({ ...r, createdAt: new Date('2031-03-05T12:00:00Z') }));
      const written = writeBatch({ query: writer.query.bind(writer) as LogConnection['query'], release: () => undefined }, batch, new Set(['2031-03-05']), aggregate(batch), new Set());
      // The race happens only if this writer's CREATE waits on the other's lock: wait for exactly that.
      await waitFor('the writer to wait on the partition being created', async () => {
        const { rows: waiting } = await other.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid]);
        return waiting.length > 0;
      });
      await other.query('COMMIT');
      await written;
      expect(await count([batch[0]!.requestId])).toMatchObject({ rows: 5 });
    } finally {
      await Promise.all([other.end(), writer.end()]);
    }
  });

  it('counts rows the database refuses as lost, says so, and goes on writing the next ones', async () => {
    logs.length = 0;
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), flushMs: 20 });
    log.record(rows(3).map((r) => ({ ...r, modelId: 'not a uuid' })));
    await log.flush();
    const next = rows(5);
    log.record(next);
    await log.flush();
    expect(log.stats).toMatchObject({ written: 5, lost: 3, buffered: 0 });
    expect(await count([next[0]!.requestId])).toMatchObject({ rows: 5 });
    expect(logs.join('\n')).toContain('the database rejected predictions');
    await log.close();
  });

  /** A run's result files as the pipeline runner writes them. */
  const runFiles = (rows: number, challengerRows = rows): RunPredictions => {
    const dir = path.join(os.tmpdir(), `berth-run-${randomUUID()}`);
    mkdirSync(dir);
    const header = ['x', 'kind', 'prediction', 'probability_even', 'probability_odd'];
    const file = (name: string, n: number, flip: boolean) => {
      const lines = Array.from({ length: n }, (_, i) => csvLine([i, i % 3 === 0 ? 'a, "quoted"' : null, (i % 2 === 0) !== flip ? 'even' : 'odd', 0.75, 0.25]));
      writeFileSync(path.join(dir, name), csvLine(header) + lines.join(''));
      return path.join(dir, name);
    };
    const binning = { profile: null, predictions: null };
    const challengerModelId = randomUUID();
    return {
      deploymentId,
      deploymentVersion: 2,
      main: { modelId, binning, file: file('main.csv', rows, false) },
      challenger: { modelId: challengerModelId, binning, file: file('challenger.csv', challengerRows, true) },
      rows,
      features: [
        { name: 'x', numeric: true },
        { name: 'kind', numeric: false },
      ],
      labels: ['even', 'odd'],
      regression: false,
      startedAt: Date.parse('2026-11-25T10:00:00Z'),
      finishedAt: Date.parse('2026-11-25T10:00:10Z'),
    };
  };

  it("writes a pipeline run's result files back as paired main and challenger rows, a memory bound at a time, and removes them", async () => {
    const dir = spillDir();
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: dir, maxBufferedRows: 400, flushMs: 20 });
    const run = runFiles(2500);
    log.record(rows(10));
    log.recordRun(run);
    // The log owns the files now: the caller may remove its folder.
    expect(existsSync(run.main.file)).toBe(false);
    await log.flush();
    expect(log.stats).toMatchObject({ written: 5010, buffered: 0, lost: 0 });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows: logged } = await client.query(
      `SELECT m.input, m.output AS main, c.output AS challenger, m.created_at, m.row_index FROM predictions m JOIN predictions c USING (request_id, row_index)
        WHERE m.deployment_version = 2 AND m.role = 'main' AND c.role = 'challenger' ORDER BY m.created_at, m.row_index`,
    );
    const { rows: requests } = await client.query(`SELECT count(DISTINCT request_id)::int AS n FROM predictions WHERE deployment_version = 2`);
    await client.end();
    expect(logged).toHaveLength(2500);
    expect(requests[0].n).toBe(3);
    expect(logged[3]).toMatchObject({ input: { x: 3, kind: 'a, "quoted"' }, main: { prediction: 'odd', probabilities: { even: 0.75, odd: 0.25 } }, challenger: { prediction: 'even' } });
    expect(logged[4]!.input).toEqual({ x: 4, kind: null });
    expect(logged[2499]!.created_at.getTime()).toBeLessThan(run.finishedAt);
    expect(logged[0]!.created_at.getTime()).toBe(run.startedAt);
    // Only the heartbeat of the live log is left.
    expect(readdirSync(dir)).toEqual(['alive']);
    await log.close();
  });

  it('counts the rows of result files it cannot read back as lost, says so, and goes on', async () => {
    logs.length = 0;
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), flushMs: 20 });
    // The challenger file ends early: the rows it misses cannot be paired.
    log.recordRun(runFiles(30, 20));
    log.record(rows(5));
    await log.flush();
    // All 30 pairs of the run; the live rows recorded after it are written all the same.
    expect(log.stats).toMatchObject({ written: 5, buffered: 0, lost: 60 });
    expect(logs.join('\n')).toContain("a pipeline run's predictions could not be read back");
    await log.close();
  });

  it('stores inputs, outputs and errors exactly, whatever characters they hold', async () => {
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), flushMs: 20 });
    const awkward = 'tab\there\nline\r\\N backslash \\ "quoted" é ✓';
    const [row] = rows(1);
    log.record([{ ...row!, input: { [awkward]: awkward, n: 1.5 }, output: { prediction: awkward }, error: awkward }]);
    await log.flush();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows: stored } = await client.query(`SELECT input, output, error FROM predictions WHERE request_id = $1`, [row!.requestId]);
    await client.end();
    expect(stored).toEqual([{ input: { [awkward]: awkward, n: 1.5 }, output: { prediction: awkward }, error: awkward }]);
    await log.close();
  });

  it('starts a new thread when its thread dies, counting what the dead one held as lost', async () => {
    logs.length = 0;
    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillDir(), flushMs: 20 });
    log.record(rows(3));
    await log.flush();
    // A message the thread cannot read makes it throw outside any handler: the thread exits.
    (log as unknown as { worker: { postMessage(message: unknown): void } }).worker.postMessage({ type: 'rows', json: '{', rows: 7 });
    await waitFor('the failure to be reported', () => logs.join('\n').includes('the prediction log thread failed'));
    const after = rows(4);
    log.record(after);
    await log.flush();
    expect(log.stats).toMatchObject({ written: 7, buffered: 0 });
    expect(await count([after[0]!.requestId])).toMatchObject({ rows: 4 });
    await log.close();
  });

  it('writes what a process that is gone left on disk: its messages with their binnings, and its runs from where they were read', async () => {
    logs.length = 0;
    const parent = spillParent();
    const leftover = spillFolder(parent, 4999999);
    mkdirSync(leftover, { recursive: true });
    const otherModel = randomUUID();
    const binning = { profile: null, predictions: { kind: 'classes' as const, counts: { even: 5, odd: 5 } } };
    writeFileSync(path.join(leftover, 'binnings.json'), JSON.stringify({ [otherModel]: binning }));
    const message = new WireBatch();
    const spilled = rows(7).map((r) => ({ ...r, modelId: otherModel, binning }));
    for (const r of spilled) message.add(r);
    // The last line was cut short when the process was killed.
    writeFileSync(path.join(leftover, '0000000001.jsonl'), `${message.rows}\t${message.toJSON()}\n5\t{"models":[["`);
    // A run of 10 rows of which 4 were read into the log (and written) before the process died.
    const run = { ...runFiles(10), deploymentVersion: 7 };
    for (const model of [run.main, run.challenger!]) renameSync(model.file, path.join(leftover, `run-${model.modelId}.csv`));
    const manifest = { run: { ...run, main: { ...run.main, file: path.join(leftover, `run-${run.main.modelId}.csv`) }, challenger: { ...run.challenger!, file: path.join(leftover, `run-${run.challenger!.modelId}.csv`) } }, rowsRead: 4 };
    writeFileSync(path.join(leftover, `run-${run.main.modelId}.json`), JSON.stringify(manifest));
    writeFileSync(path.join(leftover, 'broken.jsonl'), '{}\n');
    // Nothing changed there for two minutes: its process is gone.
    const past = new Date(Date.now() - 120_000);
    utimesSync(leftover, past, past);

    const log = new PredictionLog(logger, { databaseUrl: url, spillDir: spillFolder(parent), flushMs: 20 });
    await waitFor('the rows to be written', () => log.stats.written === 7 + 6 * 2);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows: [{ n: spilledRows }] } = await client.query('SELECT count(*)::int AS n FROM predictions WHERE request_id = $1', [spilled[0]!.requestId]);
    const { rows: [{ n: predictionBins }] } = await client.query(`SELECT coalesce(sum(count), 0)::int AS n FROM aggregate_bins WHERE model_id = $1 AND series = 'prediction'`, [otherModel]);
    const { rows: runRows } = await client.query('SELECT role, input FROM predictions WHERE deployment_id = $1 AND deployment_version = 7 ORDER BY role, created_at', [deploymentId]);
    await client.end();
    expect(spilledRows).toBe(7);
    expect(predictionBins).toBe(7);
    expect(runRows.filter((r) => r.role === 'main').map((r) => r.input.x)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(runRows.filter((r) => r.role === 'challenger')).toHaveLength(6);
    expect(log.stats).toMatchObject({ buffered: 0, lost: 5 });
    expect(logs.join('\n')).toContain('a spilled message could not be read; its rows are counted as lost');
    // The file that is not a spilled message is kept aside for a person, never taken again.
    expect(logs.join('\n')).toContain('could not be read');
    expect(readdirSync(path.join(parent, `unreadable-adopted-${path.basename(leftover)}`))).toContain('broken.jsonl');
    expect(existsSync(leftover)).toBe(false);
    await log.close();
  });

  it('leaves alone the spill folders of live logs, whatever their process ids say', async () => {
    const parent = spillParent();
    // A log in another container sharing the data folder: its process id means nothing here.
    const elsewhere = spillFolder(parent, 4999999);
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(path.join(elsewhere, 'alive'), '');
    const dir = spillFolder(parent);
    const first = new PredictionLog(logger, { databaseUrl: url, spillDir: dir, maxBufferedRows: 10, flushMs: 20 });
    const onDisk = () => existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.jsonl'));
    await databaseAway();
    try {
      // Messages apart: the first is read back into memory, the next ones wait on disk.
      for (let i = 0; i < 3; i++) {
        first.record(rows(50));
        await letTimePass(50);
      }
      await waitFor('rows on disk', onDisk);
      const second = new PredictionLog(logger, { databaseUrl: url, spillDir: spillFolder(parent), flushMs: 20 });
      expect(onDisk()).toBe(true);
      expect(existsSync(path.join(elsewhere, 'alive'))).toBe(true);
      await second.close(200);
    } finally {
      await databaseBack();
    }
    await first.flush();
    expect(first.stats).toMatchObject({ written: 150, lost: 0 });
    await first.close();
  });
});
