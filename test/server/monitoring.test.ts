import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { binCount, binValue } from '../../server/ml/profile';
import { featuresDrift, predictionBin, predictionBinCount, predictionDrift } from '../../server/monitoring/drift/report';
import { hourOf, type PredictionRecord } from '../../server/monitoring/log/prediction-log';
import { dayOf, splitRange } from '../../server/monitoring/log/rollups';
import { histogramQuantile, latencyBin, LATENCY_EDGES_MS } from '../../server/monitoring/statistics';
import { ADMIN, startTestBerth } from '../support/berth';
import { vegaRecords } from '../support/datasets';
import { trainDemo } from '../support/demo';
import { subscribe } from '../support/subscriptions';
import { letTimePass, waitFor } from '../support/wait';

const FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];

describe('monitoring', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);
  const services = berth.berth.services;
  const client = new pg.Client({ connectionString: berth.databaseUrl });
  // The outage test below cuts every connection to the database, this one included.
  client.on('error', () => undefined);
  await client.connect();

  const deploy = async (name: string) => {
    const created = (await graphql<{ createDeployment: { id: string; slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
      { input: { projectId: demo.projectId, name, experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, challengerModelId: demo.penguins.v1.best, access: 'public', validationMode: 'best_effort' } },
      admin,
    )).data!.createDeployment;
    await waitFor('the deployment to be deployed', () => services.registry.status(created.id).deployed, { timeoutMs: 45_000 });
    return created;
  };
  const send = async (slug: string, rows: Array<Record<string, unknown>>) => {
    for (let start = 0; start < rows.length; start += 50) {
      const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows.slice(start, start + 50) }) });
      expect(response.status).toBe(200);
    }
    await services.predictions.settle();
    await services.predictionLog.flush();
  };
  const drift = async (id: string) =>
    (await graphql<{ deploymentDrift: any }>(
      `query($id: ID!) { deploymentDrift(deploymentId: $id) { enoughData drifted driftedFeatures share expectedShare missingChangedFeatures
         thresholds { significance jensenShannon wasserstein missingShare minRows }
         features { feature rows enoughData psi psiBand jensenShannon wasserstein drifted labels reference current
           test statistic df pValue adjustedPValue significance effect effectSize effectFloor windowThreshold reason
           missing { reference current pValue adjustedPValue changed } }
         predictions { role modelId rows enoughData jensenShannon drifted } } }`,
      { id },
      admin,
    )).data!.deploymentDrift;

  const training = vegaRecords('penguins').map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
  const stable = await deploy('Stable');
  await send(stable.slug, training);
  const shifted = await deploy('Shifted');
  await send(
    shifted.slug,
    training.map((r) => ({ ...r, 'Beak Length (mm)': typeof r['Beak Length (mm)'] === 'number' ? (r['Beak Length (mm)'] as number) * 1.3 : null, Island: 'Biscoe' })),
  );

  it('flags no feature when the training rows come back through the API', async () => {
    const report = await drift(stable.id);
    expect(report.enoughData).toBe(true);
    expect(report.features.map((f: any) => f.feature)).toEqual(FEATURES);
    expect(report.features.every((f: any) => f.rows === training.length && f.enoughData)).toBe(true);
    expect(report.driftedFeatures).toEqual([]);
    expect(report.drifted).toBe(false);
    expect(report.missingChangedFeatures).toEqual([]);
    expect(report.expectedShare).toBeCloseTo(0.05 / 6, 12);
    expect(report.thresholds).toEqual({ significance: 0.05, jensenShannon: 0.03, wasserstein: 0.1, missingShare: 0.02, minRows: 100 });
    expect(report.features.every((f: any) => f.psiBand === 'stable')).toBe(true);
    // Each verdict carries its reason: the test, its value, the threshold for this window.
    for (const f of report.features) {
      expect(f.test).toBe(['Island', 'Sex'].includes(f.feature) ? 'chi_square' : 'rank_sum');
      expect(f.reason).toMatch(/^no drift: (rank-sum test z|χ² test χ²) = .*within noise.*this window needs about/);
      expect(f.adjustedPValue).toBeGreaterThan(0.05);
      expect(f.missing.changed).toBe(false);
    }
  });

  it('flags exactly the shifted beak length and the forced island, and the dataset with them', async () => {
    const report = await drift(shifted.id);
    expect(report.driftedFeatures.sort()).toEqual(['Beak Length (mm)', 'Island']);
    expect(report.share).toBeCloseTo(2 / 6, 5);
    // One drifted feature is enough once it is significant after the correction over the features.
    expect(report.drifted).toBe(true);
    const beak = report.features.find((f: any) => f.feature === 'Beak Length (mm)');
    expect(beak).toMatchObject({ test: 'rank_sum', effect: 'wasserstein', effectFloor: 0.1, significance: 0.05, drifted: true });
    expect(beak.wasserstein).toBeGreaterThan(1);
    expect(beak.adjustedPValue).toBeLessThan(1e-6);
    expect(beak.reason).toMatch(/^drifted: rank-sum test z = [\d.]+, p = .*: significant\); Wasserstein [\d.]+ σ/);
    const island = report.features.find((f: any) => f.feature === 'Island');
    expect(island).toMatchObject({ test: 'chi_square', df: 2, effect: 'jensenShannon', drifted: true });

    // The floors and the significance level are the deployment's: a 2-σ floor leaves the island alone.
    const set = await graphql(
      'mutation($id: ID!) { setDriftThresholds(deploymentId: $id, input: { significance: 0.01, jensenShannon: 1 }) { significance jensenShannon wasserstein datasetShare } }',
      { id: shifted.id },
      admin,
    );
    expect(set.data).toEqual({ setDriftThresholds: { significance: 0.01, jensenShannon: 1, wasserstein: 0.1, datasetShare: 0.5 } });
    const again = await drift(shifted.id);
    expect(again.driftedFeatures).toEqual(['Beak Length (mm)']);
    expect(again.features.find((f: any) => f.feature === 'Island').reason).toContain('below the floor');
    for (const [field, value] of [['jensenShannon', 3], ['significance', 0], ['significance', 0.5]] as const) {
      const refused = await graphql(`mutation($id: ID!) { setDriftThresholds(deploymentId: $id, input: { ${field}: ${value} }) { jensenShannon } }`, { id: shifted.id }, admin);
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
    }
  });

  it('reports complete live rows as a change of missing values, not as drift', async () => {
    // The training data has 10 rows without Sex (2.9 %); these live rows have none.
    const complete = await deploy('Complete');
    await send(complete.slug, training.filter((r) => r.Sex !== null && r.Sex !== undefined && r.Sex !== ''));
    const report = await drift(complete.id);
    const sex = report.features.find((f: any) => f.feature === 'Sex');
    expect(sex.drifted).toBe(false);
    expect(sex.missing).toMatchObject({ current: 0, changed: true });
    expect(sex.missing.reference).toBeCloseTo(10 / 344, 12);
    expect(sex.reason).toContain('missing values changed');
    expect(report.missingChangedFeatures).toContain('Sex');
    expect(report.driftedFeatures).toEqual([]);
  });

  it('says "not enough data" below the minimum number of rows', async () => {
    const quiet = await deploy('Quiet');
    await send(quiet.slug, training.slice(0, 20));
    const report = await drift(quiet.id);
    expect(report.enoughData).toBe(false);
    expect(report.features.every((f: any) => !f.enoughData && f.jensenShannon === null && !f.drifted)).toBe(true);
  });

  it('keeps aggregates equal to a recomputation from the raw rows', async () => {
    const { rows } = await client.query(`SELECT role, model_id, request_id, input, output, latency_ms, created_at, error FROM predictions WHERE deployment_id = $1`, [stable.id]);
    expect(rows.length).toBe(training.length * 2);
    const profiles = new Map<string, any>();
    for (const modelId of [demo.penguins.v2.best, demo.penguins.v1.best]) {
      const { rows: [model] } = await client.query('SELECT m.holdout_distribution, v.profile FROM models m JOIN experiment_versions v ON v.id = m.version_id WHERE m.id = $1', [modelId]);
      profiles.set(modelId, model);
    }
    const expected = new Map<string, number>();
    const add = (key: string) => expected.set(key, (expected.get(key) ?? 0) + 1);
    const requests = new Set<string>();
    for (const row of rows) {
      const hour = hourOf(row.created_at);
      const { profile, holdout_distribution } = profiles.get(row.model_id);
      for (const feature of profile.features) add(`${row.role}|${row.model_id}|feature:${feature.name}|${hour}|${binValue(feature, row.input[feature.name])}`);
      if (row.output) add(`${row.role}|${row.model_id}|prediction|${hour}|${predictionBin(holdout_distribution, row.output.prediction)}`);
      const request = `${row.role}|${row.request_id}`;
      if (!requests.has(request)) {
        requests.add(request);
        add(`${row.role}|${row.model_id}|latency|${hour}|${latencyBin(row.latency_ms)}`);
      }
    }
    const { rows: stored } = await client.query('SELECT role, model_id, series, hour, bin, count FROM aggregate_bins WHERE deployment_id = $1', [stable.id]);
    const actual = new Map(stored.map((r) => [`${r.role}|${r.model_id}|${r.series}|${new Date(r.hour).toISOString()}|${r.bin}`, Number(r.count)]));
    expect(actual).toEqual(expected);
    const { rows: counts } = await client.query('SELECT role, sum(rows)::int AS rows, sum(requests)::int AS requests FROM aggregate_counts WHERE deployment_id = $1 GROUP BY role ORDER BY role', [stable.id]);
    expect(counts).toEqual([
      { role: 'challenger', rows: training.length, requests: Math.ceil(training.length / 50) },
      { role: 'main', rows: training.length, requests: Math.ceil(training.length / 50) },
    ]);

    // The daily rollups: the same recomputation with each hour replaced by its UTC day.
    const expectedDaily = new Map<string, number>();
    for (const [key, count] of expected) {
      const parts = key.split('|');
      parts[3] = dayOf(parts[3]);
      const dayKey = parts.join('|');
      expectedDaily.set(dayKey, (expectedDaily.get(dayKey) ?? 0) + count);
    }
    const { rows: storedDaily } = await client.query('SELECT role, model_id, series, day, bin, count FROM aggregate_bins_daily WHERE deployment_id = $1', [stable.id]);
    expect(new Map(storedDaily.map((r) => [`${r.role}|${r.model_id}|${r.series}|${new Date(r.day).toISOString()}|${r.bin}`, Number(r.count)]))).toEqual(expectedDaily);
    const { rows: countsDaily } = await client.query('SELECT role, sum(rows)::int AS rows, sum(requests)::int AS requests FROM aggregate_counts_daily WHERE deployment_id = $1 GROUP BY role ORDER BY role', [stable.id]);
    expect(countsDaily).toEqual(counts);
    const { rows: pairs } = await client.query(
      `SELECT date_trunc('day', hour, 'UTC') AS day, sum(pairs)::int AS pairs, sum(agreements)::int AS agreements FROM aggregate_pairs WHERE deployment_id = $1 GROUP BY 1 ORDER BY 1`,
      [stable.id],
    );
    const { rows: pairsDaily } = await client.query('SELECT day, pairs::int AS pairs, agreements::int AS agreements FROM aggregate_pairs_daily WHERE deployment_id = $1 ORDER BY day', [stable.id]);
    expect(pairsDaily).toEqual(pairs);
    expect(pairs.reduce((sum, p) => sum + p.pairs, 0)).toBe(training.length);
  });

  it('reads whole days of a range from the daily rollups and its partial days from the hours, giving exactly what the hours alone give', async () => {
    const spread = await deploy('Spread');
    const set = services.registry.bySlug(spread.slug)!.slot.value!;
    const HOUR = 3_600_000;
    // Rows over six days, at a varying pace and minute of the hour, a few failed challenger rows.
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 6 * 86_400_000;
    const labels = ['Adelie', 'Chinstrap', 'Gentoo'];
    const records: PredictionRecord[] = [];
    for (let hour = 0; hour < 6 * 24; hour++) {
      for (let i = 0; i < 1 + (hour % 7); i++) {
        const n = records.length;
        const createdAt = new Date(start + hour * HOUR + ((i * 17 + hour) % 60) * 60_000);
        const input = training[(hour * 13 + i * 7) % training.length];
        const requestId = crypto.randomUUID();
        const main = { prediction: labels[(hour + i) % 3] };
        const failed = n % 23 === 0;
        const base = { deploymentId: spread.id, deploymentVersion: set.version.number, requestId, rowIndex: 0, input, source: 'api' as const, createdAt };
        records.push({ ...base, modelId: set.main.model.id, role: 'main', output: main, latencyMs: 0.3 + (n % 40) / 4, binning: set.main.binning });
        records.push({
          ...base,
          modelId: set.challenger!.model.id,
          role: 'challenger',
          output: failed ? null : { prediction: labels[(hour + i + (n % 5 === 0 ? 1 : 0)) % 3] },
          ...(failed ? { error: 'test: failed' } : {}),
          latencyMs: 0.5 + (n % 30) / 3,
          binning: set.challenger!.binning,
          mainOutput: main,
        });
      }
    }
    services.predictionLog.record(records);
    await services.predictionLog.flush();

    const deployment = await services.deployments.get(spread.id);
    const range = await services.monitoring.range(deployment, new Date(start + 7 * HOUR + 20 * 60_000), new Date(start + 4 * 86_400_000 + 15 * HOUR));
    const parts = splitRange(range);
    expect(parts.days).toEqual({ from: new Date(start + 86_400_000), to: new Date(start + 4 * 86_400_000) });
    expect(parts.hours).toHaveLength(2);
    const inRange = records.filter((r) => r.createdAt >= range.from && r.createdAt < range.to);
    expect(inRange.length).toBeGreaterThan(0);
    expect(inRange.length).toBeLessThan(records.length);

    // Everything below is read from the hourly rows alone.
    const hourlyBins = async (role: string, modelId: string) => {
      const { rows } = await client.query(
        'SELECT series, bin, sum(count)::int AS count FROM aggregate_bins WHERE deployment_id = $1 AND role = $2 AND model_id = $3 AND hour >= $4 AND hour < $5 GROUP BY series, bin',
        [spread.id, role, modelId, range.from, range.to],
      );
      return (series: string, length: number) => {
        const counts = new Array<number>(length).fill(0);
        for (const row of rows) if (row.series === series) counts[row.bin] += row.count;
        return counts;
      };
    };
    const thresholds = services.monitoring.thresholds(deployment);
    const mainBins = await hourlyBins('main', set.main.model.id);
    const report = await services.monitoring.drift(deployment, range);
    const profile = set.main.binning.profile!;
    expect(report.features).toEqual(featuresDrift(profile.features, (f) => mainBins(`feature:${f.name}`, binCount(f)), thresholds).features);
    expect(report.features[0].rows).toBe(inRange.filter((r) => r.role === 'main').length);
    const challengerBins = await hourlyBins('challenger', set.challenger!.model.id);
    expect(report.predictions).toEqual(
      [
        { role: 'main', model: set.main, bins: mainBins },
        { role: 'challenger', model: set.challenger!, bins: challengerBins },
      ].map(({ role, model, bins }) => {
        const holdout = model.binning.predictions!;
        return { role, modelId: model.model.id, ...predictionDrift(holdout, bins('prediction', predictionBinCount(holdout)), thresholds) };
      }),
    );

    // Traffic per UTC day, from the hourly rows grouped by day.
    const { rows: dayCounts } = await client.query(
      `SELECT date_trunc('day', hour, 'UTC') AS day, role, sum(requests)::int AS requests, sum(rows)::int AS rows, sum(errors)::int AS errors, sum(shed)::int AS shed
         FROM aggregate_counts WHERE deployment_id = $1 AND hour >= $2 AND hour < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
      [spread.id, range.from, range.to],
    );
    const { rows: dayLatency } = await client.query(
      `SELECT date_trunc('day', hour, 'UTC') AS day, role, bin, sum(count)::int AS count FROM aggregate_bins
        WHERE deployment_id = $1 AND series = 'latency' AND hour >= $2 AND hour < $3 GROUP BY 1, 2, 3`,
      [spread.id, range.from, range.to],
    );
    const histogram = (day: Date, role: string) => {
      const counts = new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0);
      for (const row of dayLatency) if (row.day.getTime() === day.getTime() && row.role === role) counts[row.bin] += row.count;
      return counts;
    };
    const daily = await services.monitoring.traffic(deployment, range, 'day');
    expect(daily).toEqual(
      dayCounts.map((row) => ({
        time: row.day,
        role: row.role,
        requests: row.requests,
        rows: row.rows,
        errors: row.errors,
        shed: row.shed,
        latencyP50Ms: histogramQuantile(histogram(row.day, row.role), LATENCY_EDGES_MS, 0.5),
        latencyP95Ms: histogramQuantile(histogram(row.day, row.role), LATENCY_EDGES_MS, 0.95),
      })),
    );
    expect(new Set(daily.map((p) => p.time.getTime())).size).toBe(5);
    expect(await services.monitoring.traffic(deployment, range)).toEqual(daily);
    const hourly = await services.monitoring.traffic(deployment, range, 'hour');
    for (const role of ['main', 'challenger']) {
      const total = (points: typeof daily, field: 'rows' | 'requests' | 'errors') => points.filter((p) => p.role === role).reduce((sum, p) => sum + p[field], 0);
      for (const field of ['rows', 'requests', 'errors'] as const) expect(total(daily, field)).toBe(total(hourly, field));
      expect(total(daily, 'rows')).toBe(inRange.filter((r) => r.role === role).length);
    }

    // Main vs challenger and drift over time.
    const { rows: [pairs] } = await client.query('SELECT sum(pairs)::int AS pairs, sum(agreements)::int AS agreements FROM aggregate_pairs WHERE deployment_id = $1 AND hour >= $2 AND hour < $3', [
      spread.id,
      range.from,
      range.to,
    ]);
    const comparison = await services.monitoring.comparison(deployment, range);
    expect(comparison.pairs).toBe(pairs.pairs);
    expect(comparison.agreementRate).toBe(pairs.agreements / pairs.pairs);
    expect(comparison.challengerFailed).toBe(inRange.filter((r) => r.role === 'challenger' && r.error).length);
    const overTime = await services.monitoring.driftOverTime(deployment, range, 'day');
    const hourlyOverTime = await services.monitoring.driftOverTime(deployment, range, 'hour');
    expect(overTime.map((p) => p.time.getTime())).toEqual(overTime.map((p) => new Date(dayOf(p.time.toISOString())).getTime()));
    for (const feature of profile.features) {
      const byDay = new Map<number, number>();
      for (const p of hourlyOverTime.filter((q) => q.feature === feature.name)) {
        const day = new Date(dayOf(p.time.toISOString())).getTime();
        byDay.set(day, (byDay.get(day) ?? 0) + p.rows);
      }
      expect(new Map(overTime.filter((p) => p.feature === feature.name).map((p) => [p.time.getTime(), p.rows]))).toEqual(byDay);
    }
  });

  it('drops hourly and daily aggregates of the days before the aggregate retention, whole days at a time', async () => {
    const retained = await deploy('Retained');
    const set = services.registry.bySlug(retained.slug)!.slot.value!;
    const now = new Date();
    const cutoffDay = new Date(dayOf(new Date(now.getTime() - 38 * 86_400_000).toISOString()));
    const record = (createdAt: Date): PredictionRecord => ({
      deploymentId: retained.id, deploymentVersion: 1, modelId: set.main.model.id, role: 'main', requestId: crypto.randomUUID(), rowIndex: 0, input: training[0],
      output: { prediction: 'Adelie' }, latencyMs: 1, source: 'api', createdAt, binning: set.main.binning,
    });
    // The day before the cutoff (two of its hours), the cutoff day's first hour, and a recent day.
    const times = [new Date(cutoffDay.getTime() - 86_400_000 + 3_600_000), new Date(cutoffDay.getTime() - 60_000), cutoffDay, new Date(now.getTime() - 2 * 86_400_000)];
    services.predictionLog.record(times.map(record));
    await services.predictionLog.flush();
    const kept = async () => {
      const result: Record<string, string[]> = {};
      for (const table of ['aggregate_counts', 'aggregate_bins']) {
        for (const [suffix, column] of [['', 'hour'], ['_daily', 'day']]) {
          const { rows } = await client.query(`SELECT DISTINCT ${column} AS t FROM ${table}${suffix} WHERE deployment_id = $1 ORDER BY 1`, [retained.id]);
          result[`${table}${suffix}`] = rows.map((r) => r.t.toISOString());
        }
      }
      return result;
    };
    const hours = [...new Set(times.map((t) => hourOf(t)))];
    const days = [...new Set(hours.map(dayOf))];
    expect(await kept()).toEqual({ aggregate_counts: hours, aggregate_counts_daily: days, aggregate_bins: hours, aggregate_bins_daily: days });

    await services.monitoring.applyRetention(now, 30, 38);
    expect(await kept()).toEqual({ aggregate_counts: hours.slice(2), aggregate_counts_daily: days.slice(1), aggregate_bins: hours.slice(2), aggregate_bins_daily: days.slice(1) });
  });

  it('compares main and challenger on the same requests, as a count by hand does', async () => {
    const { rows } = await client.query(
      `SELECT m.output->>'prediction' AS main, c.output->>'prediction' AS challenger FROM predictions m
         JOIN predictions c ON c.request_id = m.request_id AND c.row_index = m.row_index AND c.role = 'challenger'
        WHERE m.deployment_id = $1 AND m.role = 'main'`,
      [stable.id],
    );
    expect(rows.length).toBe(training.length);
    const agreements = rows.filter((r) => r.main === r.challenger).length;
    const monitoring = await graphql<{ deploymentMonitoring: any }>(
      'query($id: ID!) { deploymentMonitoring(deploymentId: $id) { comparison { pairs agreementRate challengerShed challengerFailed mainLatencyP50Ms } traffic { role requests rows errors latencyP50Ms } } }',
      { id: stable.id },
      admin,
    );
    const { comparison, traffic } = monitoring.data!.deploymentMonitoring;
    expect(comparison).toMatchObject({ pairs: training.length, challengerShed: 0, challengerFailed: 0 });
    expect(comparison.agreementRate).toBeCloseTo(agreements / training.length, 10);
    expect(comparison.mainLatencyP50Ms).toBeGreaterThan(0);
    expect(traffic.map((t: any) => t.role).sort()).toEqual(['challenger', 'main']);
  });

  it('joins ground truth to the right request and row, and reports accuracy over time for main and challenger', async () => {
    const graded = await deploy('Graded');
    const records = vegaRecords('penguins').slice(0, 30);
    const rows = records.map((r) => Object.fromEntries(FEATURES.map((f) => [f, r[f]])));
    const response = await fetch(`${url}/api/v1/deployments/${graded.slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows }) });
    const { requestId, predictions } = (await response.json()) as { requestId: string; predictions: Array<{ prediction: string }> };
    await services.predictions.settle();
    // Truth for the first 20 rows only; row 3 gets a deliberately wrong label.
    const truth = records.slice(0, 20).map((r, row) => ({ requestId, row, actual: row === 3 ? 'Gentoo' : r.Species }));
    // Feedback needs a key of the deployment or a project collaborator, even on a public deployment.
    const sent = await fetch(`${url}/api/v1/deployments/${graded.slug}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ feedback: truth }) });
    expect(await sent.json()).toEqual({ accepted: 20 });
    const expectedAccuracy = truth.filter((t) => predictions[t.row].prediction === t.actual).length / truth.length;

    const unknown = await fetch(`${url}/api/v1/deployments/${graded.slug}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ requestId: crypto.randomUUID(), actual: 'Adelie' }) });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).details[0]).toMatchObject({ row: 0, field: 'requestId' });

    const monitoring = await graphql<{ deploymentMonitoring: any }>('query($id: ID!) { deploymentMonitoring(deploymentId: $id) { performance { role rows accuracy macroF1 } } }', { id: graded.id }, admin);
    const performance = monitoring.data!.deploymentMonitoring.performance;
    expect(performance.map((p: any) => [p.role, p.rows]).sort()).toEqual([
      ['challenger', 20],
      ['main', 20],
    ]);
    expect(performance.find((p: any) => p.role === 'main').accuracy).toBeCloseTo(expectedAccuracy, 10);
  });

  it('attributes CPU and memory to the deployment per minute, pushes live figures every second, and exposes Prometheus metrics', async () => {
    const busy = await deploy('Busy');
    const live = subscribe(url, admin, `subscription { deploymentMetrics(deploymentId: "${busy.id}") { requestsPerSecond rowsPerSecond cpuSecondsPerSecond memoryBytes p50Ms } }`);
    await live.ready;
    const deadline = Date.now() + 15_000;
    while (!live.received.some((r) => r.data?.deploymentMetrics.requestsPerSecond > 0) && Date.now() < deadline) await send(busy.slug, training.slice(0, 50));
    await live.client.dispose();
    const figures = live.received.map((r) => r.data.deploymentMetrics).find((m) => m.requestsPerSecond > 0);
    expect(figures).toMatchObject({ memoryBytes: expect.any(Number), p50Ms: expect.any(Number) });
    expect(figures.memoryBytes).toBeGreaterThan(0);
    expect(figures.rowsPerSecond).toBeGreaterThan(0);

    await services.usage.stop();
    services.usage.start();
    const usage = await graphql<{ deploymentUsage: any[] }>('query($id: ID!) { deploymentUsage(deploymentId: $id) { minute cpuSeconds memoryBytes requests processCpuSeconds } }', { id: busy.id }, admin);
    const used = usage.data!.deploymentUsage.filter((p) => p.requests > 0);
    expect(used.length).toBeGreaterThan(0);
    expect(used.reduce((sum, p) => sum + p.cpuSeconds, 0)).toBeGreaterThan(0);
    expect(Math.max(...used.map((p) => p.memoryBytes))).toBeGreaterThan(0);
    expect(used.every((p) => p.processCpuSeconds >= p.cpuSeconds)).toBe(true);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/berth_requests_total\{[^}]*deployment="busy"[^}]*\} \d+/);
    expect(metrics).toContain('berth_prediction_log_backlog');
  });

  it('loses no row when the database goes away for a few seconds', async () => {
    const outage = await deploy('Outage');
    const database = new URL(berth.databaseUrl).pathname.slice(1);
    const superuser = new pg.Client({ connectionString: berth.databaseUrl.replace(`/${database}`, '/postgres') });
    await superuser.connect();
    await superuser.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
    await superuser.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    try {
      for (let i = 0; i < 6; i++) {
        const response = await fetch(`${url}/api/v1/deployments/${outage.slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: training.slice(i * 10, i * 10 + 10) }) });
        expect(response.status).toBe(200);
        // Requests spread over the outage, so the log retries several times.
        await letTimePass(400);
      }
      expect(services.predictionLog.stats.failedFlushes).toBeGreaterThan(0);
    } finally {
      await superuser.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      await superuser.end();
    }
    await services.predictions.settle();
    await services.predictionLog.flush();
    const check = new pg.Client({ connectionString: berth.databaseUrl });
    await check.connect();
    const { rows } = await check.query(`SELECT role, count(*)::int AS n FROM predictions WHERE deployment_id = $1 GROUP BY role ORDER BY role`, [outage.id]);
    await check.end();
    expect(rows).toEqual([
      { role: 'challenger', n: 60 },
      { role: 'main', n: 60 },
    ]);
    expect(services.predictionLog.stats.lost).toBe(0);
  });

  it('drops whole partitions past the retention and keeps the aggregates', async () => {
    const check = new pg.Client({ connectionString: berth.databaseUrl });
    await check.connect();
    try {
      const old = new Date(Date.now() - 40 * 86_400_000);
      const set = services.registry.bySlug(stable.slug)!.slot.value!;
      services.predictionLog.record([
        { deploymentId: stable.id, deploymentVersion: 1, modelId: set.main.model.id, role: 'main', requestId: crypto.randomUUID(), rowIndex: 0, input: training[0], output: { prediction: 'Adelie' }, latencyMs: 1, source: 'api', createdAt: old, binning: set.main.binning },
      ]);
      await services.predictionLog.flush();
      const day = old.toISOString().slice(0, 10).replace(/-/g, '');
      const before = await check.query(`SELECT to_regclass($1) AS t`, [`predictions_${day}`]);
      expect(before.rows[0].t).not.toBeNull();
      const dropped = await services.monitoring.applyRetention(new Date(), 30, 400);
      expect(dropped).toEqual([`predictions_${day}`]);
      const after = await check.query(`SELECT to_regclass($1) AS t`, [`predictions_${day}`]);
      expect(after.rows[0].t).toBeNull();
      const { rows } = await check.query(`SELECT count(*)::int AS n FROM aggregate_counts WHERE deployment_id = $1 AND hour < now() - interval '30 days'`, [stable.id]);
      expect(rows[0].n).toBe(1);
      const recent = await check.query(`SELECT count(*)::int AS n FROM predictions WHERE deployment_id = $1`, [stable.id]);
      expect(recent.rows[0].n).toBe(training.length * 2);
    } finally {
      await check.end();
    }
  });

  it('drops the waiting rows of a deployment deleted meanwhile, and writes the rest of their batch', async () => {
    const doomed = await deploy('Doomed');
    const set = services.registry.bySlug(stable.slug)!.slot.value!;
    await services.deployments.delete(doomed.id, doomed.slug);
    const before = { ...services.predictionLog.stats };
    const requestIds = { kept: crypto.randomUUID(), dropped: crypto.randomUUID() };
    const row = (deploymentId: string, requestId: string, rowIndex: number): PredictionRecord => ({
      deploymentId,
      deploymentVersion: 1,
      modelId: set.main.model.id,
      role: 'main',
      requestId,
      rowIndex,
      input: training[rowIndex],
      output: { prediction: 'Adelie' },
      latencyMs: 1,
      source: 'api',
      createdAt: new Date(),
      binning: set.main.binning,
    });
    // One message, so one batch: the deleted deployment's rows fail the aggregates' foreign key.
    services.predictionLog.record([...[0, 1, 2].map((i) => row(doomed.id, requestIds.dropped, i)), ...[0, 1, 2, 3].map((i) => row(stable.id, requestIds.kept, i))]);
    await services.predictionLog.flush();
    const [stored] = await services.db.query('SELECT count(*) FILTER (WHERE request_id = $1)::int AS kept, count(*) FILTER (WHERE request_id = $2)::int AS dropped FROM predictions', [requestIds.kept, requestIds.dropped]);
    expect(stored).toEqual({ kept: 4, dropped: 0 });
    expect(services.predictionLog.stats.lost - before.lost).toBe(0);
    expect(services.predictionLog.stats.discarded - before.discarded).toBe(3);
    expect(services.predictionLog.stats.written - before.written).toBe(4);
  });

  it('closes its database client', async () => {
    await client.end().catch(() => undefined);
  });
});
