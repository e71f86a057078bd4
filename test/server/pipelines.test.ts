import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { parse } from 'csv-parse/sync';
import { ADMIN, startTestBerth } from '../support/berth';
import { toCsv, uploadCsv, vegaRecords } from '../support/datasets';
import { trainDemo } from '../support/demo';
import { externalAllowedHosts, externalPostgres } from '../support/external-postgres';
import { Writable } from 'node:stream';
import { createLogger } from '../../server/platform/logger';
import { subscribe } from '../support/subscriptions';
import { waitFor } from '../support/wait';
import { topicFor } from '../../server/platform/event-bus';
import { PIPELINE_RUN_UPDATED } from '../../server/pipelines/pipeline-runner';

const FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];

describe('batch prediction pipelines', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  await graphql('mutation { createUser(input: { email: "outsider@test.berth", name: "O", password: "outsider-pass-1" }) { id } }', {}, admin);
  const outsider = await login('outsider@test.berth', 'outsider-pass-1');

  const deploy = async (name: string, main: string, challenger: string | null) => {
    const created = (await graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, name, experimentId: demo.penguins.experimentId, mainModelId: main, challengerModelId: challenger, access: 'project' } },
      admin,
    )).data!.createDeployment;
    await waitFor('the deployment to be deployed', () => berth.berth.services.registry.status(created.id).deployed, { timeoutMs: 45_000 });
    return created;
  };
  const deployment = await deploy('Batch', demo.penguins.v2.best, demo.penguins.v1.best);
  // The challenger as a main model, to get its online answers for the same rows.
  const challengerOnline = await deploy('Batch challenger', demo.penguins.v1.best, null);

  const records = vegaRecords('penguins').map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
  // Two rows a strict validation refuses: they go to the errors file, the others through.
  const source = records.map((r, i) => (i === 5 ? { ...r, 'Beak Length (mm)': 'long' } : i === 9 ? { ...r, 'Body Mass (g)': 'heavy' } : r));
  const dataset = (await uploadCsv(url, demo.projectId, 'batch.csv', toCsv(source, FEATURES), admin)).body;

  const createPipeline = (input: Record<string, unknown>) =>
    graphql<{ createPipeline: { id: string; nextRunTimes: string[]; scheduleDescription: string | null } }>(
      'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id nextRunTimes scheduleDescription } }',
      { input: { deploymentId: deployment.id, sourceKind: 'dataset', sourceDatasetId: dataset.id, ...input } },
      admin,
    );
  const waitForRun = (pipelineId: string, runId?: string) =>
    waitFor(`run ${runId ?? 'of pipeline ' + pipelineId} to finish`, async () => {
      const runs = (await graphql<{ pipelineRuns: any[] }>(
        'query($p: ID!) { pipelineRuns(pipelineId: $p) { id status trigger attempt rowsRead rowsPredicted rowsFailed rowsTotal progress error files deploymentVersion startedAt finishedAt } }',
        { p: pipelineId },
        admin,
      )).data!.pipelineRuns;
      const run = runId ? runs.find((r) => r.id === runId) : runs[0];
      return run && ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, { timeoutMs: 40_000, everyMs: 100 });
  const download = async (runId: string, kind: string, token = admin) => {
    const response = await fetch(`${url}/api/v1/pipeline-runs/${runId}/files/${kind}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, rows: response.status === 200 ? (parse(await response.text(), { columns: true }) as Array<Record<string, string>>) : [] };
  };
  const predictOnline = async (slug: string, rows: Array<Record<string, unknown>>) => {
    const predictions: any[] = [];
    for (let start = 0; start < rows.length; start += 500) {
      const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ inputs: rows.slice(start, start + 500) }) });
      predictions.push(...((await response.json()) as any).predictions);
    }
    return predictions;
  };

  const manual = (await createPipeline({ name: 'Manual' })).data!.createPipeline;
  const started = await graphql<{ runPipelineNow: { id: string; status: string; trigger: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id status trigger } }', { id: manual.id }, admin);
  const run = await waitForRun(manual.id, started.data!.runPipelineNow.id);

  it('runs on demand: counts rows, keeps invalid ones out and writes the main, challenger and errors files', () => {
    expect(started.data!.runPipelineNow).toMatchObject({ status: 'queued', trigger: 'manual' });
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: source.length, rowsTotal: source.length, rowsFailed: 2, rowsPredicted: source.length - 2, progress: 1, deploymentVersion: 1, error: null });
    expect(run.files.sort()).toEqual(['challenger', 'errors', 'main']);
  });

  it('writes files whose rows equal the online API answers for the same rows, in source order, for main and challenger', async () => {
    const valid = source.filter((_, i) => i !== 5 && i !== 9);
    const main = await download(run.id, 'main');
    const challenger = await download(run.id, 'challenger');
    expect(main.rows).toHaveLength(valid.length);
    expect(Object.keys(main.rows[0]!)).toEqual([...FEATURES, 'prediction', 'probability_Adelie', 'probability_Chinstrap', 'probability_Gentoo']);
    const [mainOnline, challengerOnlineAnswers] = [await predictOnline(deployment.slug, valid), await predictOnline(challengerOnline.slug, valid)];
    for (const [file, online] of [[main.rows, mainOnline], [challenger.rows, challengerOnlineAnswers]] as const) {
      file.forEach((row, i) => {
        expect(row['Flipper Length (mm)']).toBe(valid[i]!['Flipper Length (mm)'] === null ? '' : String(valid[i]!['Flipper Length (mm)']));
        expect(row.prediction).toBe(online[i].prediction);
        for (const label of ['Adelie', 'Chinstrap', 'Gentoo']) expect(Math.abs(Number(row[`probability_${label}`]) - online[i].probabilities[label])).toBeLessThanOrEqual(1e-6);
      });
    }
    const errors = await download(run.id, 'errors');
    expect(errors.rows).toEqual([
      { row: '6', field: 'Beak Length (mm)', message: expect.stringContaining('long') },
      { row: '10', field: 'Body Mass (g)', message: expect.stringContaining('heavy') },
    ]);
  });

  it('records pipeline predictions in monitoring with the pipeline source: the rows of the files, main and challenger paired', async () => {
    await berth.berth.services.predictionLog.flush();
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT role, count(*)::int AS n FROM predictions WHERE deployment_id = $1 AND source = 'pipeline' GROUP BY role ORDER BY role`, [deployment.id]);
    const logged = await client.query(
      `SELECT m.input, m.output AS main, c.output AS challenger, m.created_at FROM predictions m JOIN predictions c ON c.request_id = m.request_id AND c.row_index = m.row_index AND c.role = 'challenger'
        WHERE m.deployment_id = $1 AND m.source = 'pipeline' AND m.role = 'main' ORDER BY m.request_id, m.row_index`,
      [deployment.id],
    );
    // Every challenger answer (these and the API's of the earlier test) is paired with its main's.
    const pairs = await client.query(
      `SELECT (SELECT coalesce(sum(pairs), 0)::int FROM aggregate_pairs WHERE deployment_id = $1) AS pairs,
              (SELECT count(*)::int FROM predictions WHERE deployment_id = $1 AND role = 'challenger' AND output <> 'null'::jsonb) AS challenger`,
      [deployment.id],
    );
    await client.end();
    expect(rows).toEqual([
      { role: 'challenger', n: source.length - 2 },
      { role: 'main', n: source.length - 2 },
    ]);
    // One request id per chunk: rows in file order.
    const [main, challenger] = [await download(run.id, 'main'), await download(run.id, 'challenger')];
    logged.rows.forEach((row, i) => {
      const value = main.rows[i]!['Body Mass (g)'];
      expect(row.input['Body Mass (g)']).toBe(value === '' ? null : Number(value));
      expect(row.input.Island).toBe(main.rows[i]!.Island);
      expect(row.main.prediction).toBe(main.rows[i]!.prediction);
      expect(row.challenger.prediction).toBe(challenger.rows[i]!.prediction);
      expect(Math.abs(row.main.probabilities.Gentoo - Number(main.rows[i]!.probability_Gentoo))).toBeLessThanOrEqual(1e-12);
      expect(row.created_at.getTime()).toBeGreaterThanOrEqual(new Date(run.startedAt).getTime() - 1);
      expect(row.created_at.getTime()).toBeLessThanOrEqual(new Date(run.finishedAt).getTime() + 1);
    });
    expect(pairs.rows[0].pairs).toBe(pairs.rows[0].challenger);
    expect(pairs.rows[0].pairs).toBeGreaterThanOrEqual(source.length - 2);
  });

  it('lets only the project download files', async () => {
    expect((await download(run.id, 'main', outsider)).status).toBe(404);
    expect((await download(run.id, 'main', '')).status).toBe(401);
  });

  it('fails a run above the error ratio, keeping the errors file', async () => {
    const strict = (await createPipeline({ name: 'Strict', maxErrorRatio: 0.001 })).data!.createPipeline;
    await graphql('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: strict.id }, admin);
    const failed = await waitForRun(strict.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/2 of 344 rows failed validation, more than the 0.1 % the pipeline accepts/);
    expect(failed.files).toEqual(['errors']);
  });

  it("reads only the model's features from a source with more columns (the v1 model uses three of the file's six)", async () => {
    const narrow = (await graphql<{ createPipeline: { id: string } }>(
      'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }',
      { input: { deploymentId: challengerOnline.id, name: 'Wider file', sourceKind: 'dataset', sourceDatasetId: dataset.id } },
      admin,
    )).data!.createPipeline;
    await graphql('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: narrow.id }, admin);
    const run = await waitForRun(narrow.id);
    // Row 5's beak length is refused; row 9's body mass is not a feature of this model.
    expect(run).toMatchObject({ status: 'succeeded', rowsRead: 344, rowsFailed: 1, rowsPredicted: 343 });
  });

  it("refuses on save a dataset that lacks a column the deployment's model needs, naming the columns", async () => {
    const cars = (await uploadCsv(url, demo.projectId, 'cars.csv', toCsv(vegaRecords('cars'), ['Name', 'Miles_per_Gallon', 'Cylinders', 'Origin']), admin)).body;
    const refused = await createPipeline({ name: 'Wrong data', sourceDatasetId: cars.id });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sourceDatasetId' } });
    expect(refused.errors?.[0].message).toContain('cars.csv has no column "Island", "Beak Length (mm)"');
  });

  it('refuses a cron expression that does not parse, or a bad time zone, on save', async () => {
    const bad = await createPipeline({ name: 'Bad cron', scheduleCron: '61 * * * *' });
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'scheduleCron' } });
    const short = await createPipeline({ name: 'Short cron', scheduleCron: '* *' });
    expect(short.errors?.[0].message).toMatch(/5 fields/);
    const zone = await createPipeline({ name: 'Bad zone', scheduleCron: '0 6 * * 1', scheduleTimezone: 'Mars/Olympus' });
    expect(zone.errors?.[0]).toMatchObject({ extensions: { field: 'scheduleTimezone' } });
  });

  it('schedules in its time zone, shows the next run times, fires at its time, and can be paused', async () => {
    const weekly = (await createPipeline({ name: 'Mondays', scheduleCron: '0 6 * * 1', scheduleTimezone: 'Europe/Paris' })).data!.createPipeline;
    expect(weekly.scheduleDescription).toMatch(/06:00.*Monday.*Europe\/Paris/);
    expect(weekly.nextRunTimes).toHaveLength(5);
    for (const time of weekly.nextRunTimes) {
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(time));
      expect(local).toBe('Monday 06:00');
    }
    // Move the schedule's next run to now, as the clock reaching it would.
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rowCount } = await client.query(`UPDATE berth_jobs SET next_run_at = now() WHERE name = 'pipelines.schedule' AND data->>'pipelineId' = $1`, [weekly.id]);
    expect(rowCount).toBe(1);
    const fired = await waitForRun(weekly.id);
    expect(fired).toMatchObject({ status: 'succeeded', trigger: 'schedule' });
    const { rows: [job] } = await client.query(`SELECT next_run_at FROM berth_jobs WHERE name = 'pipelines.schedule' AND data->>'pipelineId' = $1`, [weekly.id]);
    expect(new Date(job.next_run_at).getTime()).toBeGreaterThan(Date.now());

    const paused = await graphql<{ setPipelineEnabled: { enabled: boolean; nextRunTimes: string[] } }>('mutation($id: ID!) { setPipelineEnabled(id: $id, enabled: false) { enabled nextRunTimes } }', { id: weekly.id }, admin);
    expect(paused.data!.setPipelineEnabled).toEqual({ enabled: false, nextRunTimes: [] });
    const { rowCount: remaining } = await client.query(`SELECT 1 FROM berth_jobs WHERE name = 'pipelines.schedule' AND data->>'pipelineId' = $1`, [weekly.id]);
    await client.end();
    expect(remaining).toBe(0);
  });

  it('recovers a run a dead worker left running, as a new attempt', async () => {
    const recovering = (await createPipeline({ name: 'Recovering' })).data!.createPipeline;
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rows: [orphan] } = await client.query(`INSERT INTO pipeline_runs (pipeline_id, status, trigger, files, started_at, rows_read) VALUES ($1, 'running', 'manual', '{}', now() - interval '1 hour', 123) RETURNING id`, [recovering.id]);
    await client.end();
    await berth.berth.jobs.now('pipelines.run', { runId: orphan.id });
    const recovered = await waitForRun(recovering.id, orphan.id);
    expect(recovered).toMatchObject({ status: 'succeeded', attempt: 2, rowsRead: source.length });
  });

  it('cancels a queued run at once', async () => {
    const later = (await createPipeline({ name: 'Later' })).data!.createPipeline;
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rows: [queued] } = await client.query(`INSERT INTO pipeline_runs (pipeline_id, status, trigger, files) VALUES ($1, 'queued', 'manual', '{}') RETURNING id`, [later.id]);
    await client.end();
    const cancelled = await graphql<{ cancelPipelineRun: { status: string } }>('mutation($id: ID!) { cancelPipelineRun(runId: $id) { status } }', { id: queued.id }, admin);
    expect(cancelled.data!.cancelPipelineRun.status).toBe('cancelled');
    const again = await graphql('mutation($id: ID!) { cancelPipelineRun(runId: $id) { status } }', { id: queued.id }, admin);
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('fails the run, saying why, when the deployment was deleted between schedule and run', async () => {
    const doomed = await deploy('Doomed batch', demo.penguins.v2.best, null);
    const orphanPipeline = (await graphql<{ createPipeline: { id: string } }>(
      'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }',
      { input: { deploymentId: doomed.id, name: 'Orphan', sourceKind: 'dataset', sourceDatasetId: dataset.id } },
      admin,
    )).data!.createPipeline;
    await graphql('mutation($id: ID!, $c: String!) { deleteDeployment(id: $id, confirm: $c) }', { id: doomed.id, c: doomed.slug }, admin);
    await graphql('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: orphanPipeline.id }, admin);
    const failed = await waitForRun(orphanPipeline.id);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/deployment of this pipeline was deleted/) });
  });
});

describe('pipelines with connectors: SQL sources and delivery to an external table', async () => {
  let logged = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((logged += chunk.toString()), done()) });
  // The "external" database runs on the test server, a loopback address: allowed by the instance setting.
  const allowed = { BERTH_CONNECTOR_ALLOWED_HOSTS: externalAllowedHosts() };
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', ...allowed }, logger: createLogger('debug', sink) });
  // A second worker on the same database and data folder: runs must be shared, never doubled.
  const worker = await startTestBerth({ databaseUrl: berth.databaseUrl, env: { BERTH_DATA_DIR: berth.berth.config.dataDir, BERTH_ROLE: 'worker', BERTH_PROBE_INTERVAL_MS: '0', ...allowed }, logger: createLogger('debug', sink) });
  const { graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  const external = await externalPostgres();
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);
  const reader = await external.createRole(['GRANT USAGE ON SCHEMA public TO {role}']);
  const rows = vegaRecords('penguins').map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
  await external.admin(`CREATE TABLE penguins_in ("Island" text, "Beak Length (mm)" double precision, "Beak Depth (mm)" double precision, "Flipper Length (mm)" double precision, "Body Mass (g)" double precision, "Sex" text, id serial)`);
  for (const row of rows) await external.admin(`INSERT INTO penguins_in ("Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex") VALUES ($1, $2, $3, $4, $5, $6)`, FEATURES.map((f) => row[f]));
  await external.admin(`GRANT SELECT ON penguins_in TO "${writer.user}", "${reader.user}"`);

  const connector = async (name: string, role: { user: string; password: string }) =>
    (await graphql<{ createConnector: { id: string } }>(
      'mutation($input: CreateConnectorInput!) { createConnector(input: $input) { id } }',
      { input: { projectId: demo.projectId, name, host: external.host, port: external.port, database: external.database, user: role.user, password: role.password, tlsMode: 'disable' } },
      admin,
    )).data!.createConnector.id;
  const warehouse = await connector('Warehouse', writer);
  const readOnly = await connector('Read only', reader);

  const deployment = (await graphql<{ createDeployment: { id: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }',
    { input: { projectId: demo.projectId, name: 'Warehouse scoring', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, challengerModelId: demo.penguins.v1.best, access: 'project' } },
    admin,
  )).data!.createDeployment;
  const createPipeline = (input: Record<string, unknown>) =>
    graphql<{ createPipeline: { id: string } }>('mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }', { input: { deploymentId: deployment.id, sourceKind: 'sql', sourceConnectorId: warehouse, ...input } }, admin);
  const runAndWait = async (pipelineId: string) => {
    const runId = (await graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipelineId }, admin)).data!.runPipelineNow.id;
    return waitFor(`run ${runId} to finish`, async () => {
      const run = (await graphql<{ pipelineRuns: any[] }>('query($p: ID!) { pipelineRuns(pipelineId: $p) { id status error rowsRead rowsPredicted } }', { p: pipelineId }, admin)).data!.pipelineRuns.find((r) => r.id === runId);
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) && run;
    }, { timeoutMs: 40_000, everyMs: 100 });
  };
  const SELECT = `SELECT "Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex" FROM penguins_in ORDER BY id`;

  it('reads a SELECT on a connector and delivers main and challenger rows to a table, exactly once even when run again', async () => {
    const pipeline = (await createPipeline({ name: 'SQL to table', sourceSql: SELECT, destinationConnectorId: warehouse, destinationTable: 'scored_penguins' })).data!.createPipeline;
    const first = await runAndWait(pipeline.id);
    expect(first).toMatchObject({ status: 'succeeded', rowsRead: rows.length, rowsPredicted: rows.length });
    const second = await runAndWait(pipeline.id);
    expect(second.status).toBe('succeeded');
    const { rows: delivered } = await external.admin(`SELECT run_id, model_role, count(*)::int AS n FROM scored_penguins GROUP BY run_id, model_role ORDER BY run_id, model_role`);
    expect(delivered.map((r) => [r.model_role, r.n])).toEqual([
      ['challenger', rows.length],
      ['main', rows.length],
      ['challenger', rows.length],
      ['main', rows.length],
    ]);
    const { rows: sample } = await external.admin(`SELECT * FROM scored_penguins WHERE model_role = 'main' LIMIT 1`);
    expect(Object.keys(sample[0]!)).toEqual(expect.arrayContaining(['run_id', 'predicted_at', 'prediction', 'probability_Adelie', 'model_role', 'Island']));
  });

  it('refuses a statement that is not a SELECT on save, and fails a run whose SQL fails, saying where', async () => {
    const refused = await createPipeline({ name: 'Delete', sourceSql: 'DELETE FROM penguins_in' });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sourceSql' } });
    const broken = (await createPipeline({ name: 'Broken SQL', sourceSql: 'SELECT * FROM no_such_table' })).data!.createPipeline;
    const run = await runAndWait(broken.id);
    expect(run).toMatchObject({ status: 'failed', error: expect.stringMatching(/SQL source failed.*no_such_table/) });
    const narrow = (await createPipeline({ name: 'Narrow SQL', sourceSql: 'SELECT "Island", "Sex" FROM penguins_in' })).data!.createPipeline;
    const failed = await runAndWait(narrow.id);
    expect(failed).toMatchObject({ status: 'failed', rowsPredicted: 0, error: expect.stringContaining('the source has no column "Beak Length (mm)"') });
  });

  it('fails a run to a read-only destination with a precise reason and leaves no rows', async () => {
    const pipeline = (await createPipeline({ name: 'To read-only', sourceSql: SELECT, destinationConnectorId: readOnly, destinationTable: 'forbidden_table' })).data!.createPipeline;
    const run = await runAndWait(pipeline.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/permission|privilege|cannot create/i);
    const { rows: tables } = await external.admin(`SELECT to_regclass('forbidden_table') AS t`);
    expect(tables[0].t).toBeNull();
  });

  it('leaves no partial rows when a run fails after delivering some chunks', async () => {
    // Rows past the first chunk have an unknown island type: strict validation fails them all, so the run fails on the error ratio.
    await external.admin(`CREATE TABLE many_in AS SELECT * FROM penguins_in, generate_series(1, 8) AS copy`);
    await external.admin(`UPDATE many_in SET "Beak Length (mm)" = 'NaN' WHERE copy > 1`);
    await external.admin(`GRANT SELECT ON many_in TO "${writer.user}"`);
    const pipeline = (await createPipeline({ name: 'Partial', sourceSql: `SELECT "Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex" FROM many_in ORDER BY copy, id`, destinationConnectorId: warehouse, destinationTable: 'partial_out' })).data!.createPipeline;
    const run = await runAndWait(pipeline.id);
    expect(run.status).toBe('failed');
    expect(run.rowsPredicted).toBeGreaterThan(0);
    const { rows: count } = await external.admin(`SELECT count(*)::int AS n FROM partial_out`).catch(() => ({ rows: [{ n: 0 }] }));
    expect(count[0].n).toBe(0);
  });

  it('shares runs between two workers without running one twice, and pushes progress to subscribers', async () => {
    const pipeline = (await createPipeline({ name: 'Shared', sourceSql: SELECT, destinationConnectorId: warehouse, destinationTable: 'shared_out' })).data!.createPipeline;
    // Every execution started, on either worker: six runs must mean six starts, no run twice.
    const started: string[] = [];
    for (const runner of [berth, worker]) runner.berth.jobs.onStart('pipelines.run', (data) => started.push((data as { runId: string }).runId));
    const progress = subscribe(berth.url, admin, `subscription { pipelineRunUpdated(pipelineId: "${pipeline.id}") { id status rowsRead } }`);
    await progress.ready;
    await waitFor('the subscription to listen on the bus', () => berth.berth.services.bus.listenerCount(topicFor(PIPELINE_RUN_UPDATED, pipeline.id)) > 0);
    const runIds = await Promise.all(Array.from({ length: 6 }, async () => (await graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipeline.id }, admin)).data!.runPipelineNow.id));
    await progress.waitUntil((received) => runIds.every((id) => received.some((r) => r.data?.pipelineRunUpdated.id === id && r.data.pipelineRunUpdated.status === 'succeeded')), 60_000);
    await progress.client.dispose();
    const { rows: delivered } = await external.admin(`SELECT run_id, count(*)::int AS n FROM shared_out GROUP BY run_id`);
    // Each run delivered its main and challenger rows exactly once.
    expect(delivered.map((r) => r.n)).toEqual(runIds.map(() => 2 * rows.length));
    expect(delivered.map((r) => r.run_id).sort()).toEqual([...runIds].sort());
    const client = new pg.Client({ connectionString: berth.databaseUrl });
    await client.connect();
    const { rows: attempts } = await client.query(`SELECT attempt FROM pipeline_runs WHERE id = ANY($1)`, [runIds]);
    await client.end();
    expect(attempts.every((a) => a.attempt === 1)).toBe(true);
    expect(progress.received.some((r) => r.data?.pipelineRunUpdated.status === 'running')).toBe(true);
    expect(started.filter((id) => runIds.includes(id)).sort()).toEqual([...runIds].sort());
  });

  it('refuses to delete a connector a pipeline uses, and never returns its password', async () => {
    const refused = await graphql('mutation($id: ID!) { deleteConnector(id: $id) }', { id: warehouse }, admin);
    expect(refused.errors?.[0].extensions?.code).toBe('CONFLICT');
    const listed = await graphql('query($p: ID!) { connectors(projectId: $p) { name user hasPassword } }', { p: demo.projectId }, admin);
    expect(JSON.stringify(listed)).not.toContain(writer.password);
    const tested = await graphql<{ testConnector: { ok: boolean; canCreateTables: boolean } }>('mutation($id: ID!) { testConnector(id: $id) { ok canCreateTables message } }', { id: readOnly }, admin);
    expect(tested.data!.testConnector.canCreateTables).toBe(false);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).not.toContain(writer.password);
    expect(logged).not.toContain(reader.password);
  });

  it("refuses a connector to Berth's own database, even with its server's address allowed", async () => {
    const own = new URL(berth.databaseUrl);
    const attempt = await graphql(
      'mutation($input: CreateConnectorInput!) { createConnector(input: $input) { id } }',
      { input: { projectId: demo.projectId, name: 'Berth itself', host: own.hostname, port: Number(own.port || 5432), database: decodeURIComponent(own.pathname.slice(1)), user: reader.user, password: reader.password, tlsMode: 'disable' } },
      admin,
    );
    expect(attempt.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/is Berth's own database: connectors may not read or write it/) });
  });
});
