import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { UsageTracker } from '../../../server/telemetry/usage';
import { migrate } from '../../../server/platform/database';
import { berthDataSource } from '../../../server/entities';
import { createLogger } from '../../../server/platform/logger';
import { testDatabase } from '../../support/database';

const MINUTE = 60_000;
/** 12:00:00 UTC: minutes below are counted from here. */
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const logger = createLogger('silent');

interface UsageRow {
  minute: Date;
  cpu_seconds: number;
  memory_bytes: string;
  requests: string;
  errors: string;
  process_cpu_seconds: number;
  process_rss_bytes: string;
}

/** A clock the test moves by hand. */
function clock(start: number): { now: () => number; set: (ms: number) => void } {
  let current = start;
  return { now: () => current, set: (ms) => (current = ms) };
}

describe('usage monitoring', () => {
  let db: DataSource;
  let url: string;
  let projectId: string;
  let experimentId: string;

  const createDeployment = async (slug: string): Promise<string> => {
    const [{ id }] = await db.query(`INSERT INTO deployments (project_id, experiment_id, name, slug, access) VALUES ($1, $2, $3, $3, 'public') RETURNING id`, [projectId, experimentId, slug]);
    return id;
  };

  const rowsOf = (deploymentId: string): Promise<UsageRow[]> => db.query('SELECT * FROM usage_minutes WHERE deployment_id = $1 ORDER BY minute', [deploymentId]);

  beforeAll(async () => {
    const database = await testDatabase();
    url = database.url;
    db = berthDataSource(url);
    await db.initialize();
    await migrate(db);
    [{ id: projectId }] = await db.query(`INSERT INTO projects (name) VALUES ('usage') RETURNING id`);
    [{ id: experimentId }] = await db.query(`INSERT INTO experiments (project_id, name, task, target_column) VALUES ($1, 'penguins', 'multiclass', 'species') RETURNING id`, [projectId]);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('writes one row per deployment when its minute closes, with CPU summed, memory at its largest and the process totals of the minute', async () => {
    const a = await createDeployment('usage-a');
    const b = await createDeployment('usage-b');
    const time = clock(T0);
    const memory = new Map<string, number>([[a, 1000]]);
    const tracker = new UsageTracker(db, logger, { now: time.now, memoryOf: () => memory });

    tracker.recordCall(a, 200_000, 4);
    tracker.recordRequest(a, 12, true);
    time.set(T0 + 5000);
    await tracker.sample();
    // The minute is still open: nothing written yet.
    expect(await rowsOf(a)).toEqual([]);

    tracker.recordCall(a, 300_000, 2);
    tracker.recordRequest(a, 30, false);
    tracker.recordCall(b, 100_000, 1);
    tracker.recordRequest(b, 5, true);
    memory.set(a, 3000);
    time.set(T0 + 30_000);
    await tracker.sample();
    memory.set(a, 2000);
    // A timer a few milliseconds late still credits the minute it sampled, and closes it.
    time.set(T0 + MINUTE + 3);
    await tracker.sample();

    const [rowA] = await rowsOf(a);
    const [rowB] = await rowsOf(b);
    expect(rowA.minute.getTime()).toBe(T0);
    expect(rowA.cpu_seconds).toBeCloseTo(0.5, 9);
    expect(Number(rowA.memory_bytes)).toBe(3000);
    expect(Number(rowA.requests)).toBe(2);
    expect(Number(rowA.errors)).toBe(1);
    expect(rowB.minute.getTime()).toBe(T0);
    expect(rowB.cpu_seconds).toBeCloseTo(0.1, 9);
    expect(Number(rowB.memory_bytes)).toBe(0);
    expect(Number(rowB.requests)).toBe(1);
    expect(Number(rowB.errors)).toBe(0);
    // The same process totals on every row of the minute, so attributions can be compared with them.
    expect(rowA.process_cpu_seconds).toBeGreaterThanOrEqual(0);
    expect(Number(rowA.process_rss_bytes)).toBeGreaterThan(0);
    expect(rowB.process_cpu_seconds).toBe(rowA.process_cpu_seconds);
    expect(rowB.process_rss_bytes).toBe(rowA.process_rss_bytes);

    // stop() writes the minute still open; a deployment holding memory gets a row without traffic.
    tracker.recordCall(b, 50_000, 1);
    time.set(T0 + MINUTE + 20_000);
    await tracker.stop();
    const rowsA = await rowsOf(a);
    const rowsB = await rowsOf(b);
    expect(rowsA.map((row) => row.minute.getTime())).toEqual([T0, T0 + MINUTE]);
    expect(Number(rowsA[1].memory_bytes)).toBe(2000);
    expect(Number(rowsA[1].requests)).toBe(0);
    expect(rowsA[1].cpu_seconds).toBe(0);
    expect(rowsB[1].cpu_seconds).toBeCloseTo(0.05, 9);

    // Another tracker (a restart in the same minute, or another replica) adds to the same row.
    const again = new UsageTracker(db, logger, { now: time.now, memoryOf: () => new Map([[a, 1500]]) });
    again.recordCall(b, 250_000, 3);
    again.recordRequest(b, 8, true);
    time.set(T0 + MINUTE + 40_000);
    await again.stop();
    const [, secondA] = await rowsOf(a);
    const [, secondB] = await rowsOf(b);
    expect(secondB.cpu_seconds).toBeCloseTo(0.3, 9);
    expect(Number(secondB.requests)).toBe(1);
    expect(Number(secondA.memory_bytes)).toBe(2000);
  });

  it('answers one point per minute of the range, in order, with empty minutes as zeros', async () => {
    const c = await createDeployment('usage-c');
    const time = clock(T0);
    const tracker = new UsageTracker(db, logger, { now: time.now, memoryOf: () => new Map([[c, 4096]]) });
    tracker.recordCall(c, 1_500_000, 10);
    tracker.recordRequest(c, 3, true);
    time.set(T0 + 10_000);
    await tracker.sample();
    time.set(T0 + 2 * MINUTE + 10_000);
    tracker.recordRequest(c, 3, true);
    await tracker.stop();

    const points = await tracker.query(db, c, new Date(T0 + 30_000), new Date(T0 + 4 * MINUTE));
    expect(points.map((point) => point.minute.getTime())).toEqual([T0, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
    expect(points[0]).toMatchObject({ cpuSeconds: 1.5, memoryBytes: 4096, requests: 1, errors: 0 });
    expect(points[0].processRssBytes).toBeGreaterThan(0);
    // The stop sample covers 0:10–2:10 with nothing in between: its request goes to the minute of its middle, 1:10.
    expect(points[1]).toEqual({ minute: new Date(T0 + MINUTE), cpuSeconds: 0, memoryBytes: 4096, requests: 1, errors: 0, processCpuSeconds: expect.any(Number), processRssBytes: expect.any(Number) });
    expect(points[2]).toEqual({ minute: new Date(T0 + 2 * MINUTE), cpuSeconds: 0, memoryBytes: 0, requests: 0, errors: 0, processCpuSeconds: null, processRssBytes: null });
    expect(points[3].processCpuSeconds).toBeNull();
    expect(await tracker.query(db, c, new Date(T0 + MINUTE), new Date(T0 + MINUTE))).toEqual([]);
    await expect(tracker.query(db, c, new Date(T0), new Date(T0 + 8 * 24 * 60 * MINUTE))).rejects.toThrow(/at most 10080 minutes/);
  });

  it('skips a deployment deleted since it was sampled and still writes the others', async () => {
    const kept = await createDeployment('usage-kept');
    const deleted = await createDeployment('usage-deleted');
    const time = clock(T0 + 10 * MINUTE);
    const tracker = new UsageTracker(db, logger, { now: time.now });
    tracker.recordCall(kept, 100_000, 1);
    tracker.recordCall(deleted, 100_000, 1);
    await db.query('DELETE FROM deployments WHERE id = $1', [deleted]);
    time.set(T0 + 10 * MINUTE + 5000);
    await tracker.stop();
    expect(await rowsOf(kept)).toHaveLength(1);
    expect(await rowsOf(deleted)).toEqual([]);
  });

  it('keeps the rows of a failed write and writes them at the next sample', async () => {
    const id = await createDeployment('usage-retried');
    const flaky = berthDataSource(url, { poolSize: 1 });
    await flaky.initialize();
    const time = clock(T0 + 30 * MINUTE);
    const tracker = new UsageTracker(flaky, logger, { now: time.now });
    tracker.recordCall(id, 400_000, 2);
    await flaky.destroy();
    time.set(T0 + 31 * MINUTE + 1);
    await tracker.sample();
    expect(await rowsOf(id)).toEqual([]);

    await flaky.initialize();
    tracker.recordCall(id, 100_000, 1);
    time.set(T0 + 31 * MINUTE + 5000);
    await tracker.stop();
    await flaky.destroy();
    const rows = await rowsOf(id);
    expect(rows.map((row) => row.minute.getTime())).toEqual([T0 + 30 * MINUTE, T0 + 31 * MINUTE]);
    expect(rows[0].cpu_seconds).toBeCloseTo(0.4, 9);
    expect(rows[1].cpu_seconds).toBeCloseTo(0.1, 9);
  });

  it('deletes the usage of a deleted deployment with it', async () => {
    const gone = await createDeployment('usage-gone');
    const time = clock(T0 + 20 * MINUTE);
    const tracker = new UsageTracker(db, logger, { now: time.now });
    tracker.recordCall(gone, 100_000, 1);
    time.set(T0 + 20 * MINUTE + 5000);
    await tracker.stop();
    expect(await rowsOf(gone)).toHaveLength(1);
    await db.query('DELETE FROM deployments WHERE id = $1', [gone]);
    expect(await rowsOf(gone)).toEqual([]);
  });

  it('gives live rates, latency percentiles, CPU and memory over the last ten complete seconds', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const start = T0 + 100_000;
    const time = clock(start + 200);
    const tracker = new UsageTracker(db, logger, { now: time.now, memoryOf: () => new Map([[id, 123_456]]) });
    for (let i = 0; i < 10; i++) tracker.recordRequest(id, 3, true);
    for (let i = 0; i < 8; i++) tracker.recordRequest(id, 30, true);
    tracker.recordRequest(id, 30, false);
    tracker.recordRequest(id, 30, false);
    tracker.recordCall(id, 1_500_000, 15);
    tracker.recordCall(id, 500_000, 5);

    // The second still running is not in the window yet.
    expect(tracker.live(id)).toMatchObject({ requestsPerSecond: 0, p50Ms: null, p95Ms: null, cpuSecondsPerSecond: 0, memoryBytes: 123_456 });

    time.set(start + 1000);
    const live = tracker.live(id);
    expect(live.at).toEqual(new Date(start + 1000));
    expect(live.requestsPerSecond).toBeCloseTo(2, 9);
    expect(live.errorsPerSecond).toBeCloseTo(0.2, 9);
    expect(live.rowsPerSecond).toBeCloseTo(2, 9);
    expect(live.cpuSecondsPerSecond).toBeCloseTo(0.2, 9);
    expect(live.memoryBytes).toBe(123_456);
    // Half the requests took 3 ms, the slower half 30 ms: the median sits with the fast ones, p95 with the slow.
    expect(live.p50Ms!).toBeGreaterThanOrEqual(2);
    expect(live.p50Ms!).toBeLessThanOrEqual(5);
    expect(live.p95Ms!).toBeGreaterThanOrEqual(20);
    expect(live.p95Ms!).toBeLessThanOrEqual(50);

    // Five seconds later one more request; ten seconds after the first burst, only it remains.
    time.set(start + 5300);
    tracker.recordRequest(id, 100, true);
    time.set(start + 10_999);
    expect(tracker.live(id).requestsPerSecond).toBeCloseTo(2.1, 9);
    time.set(start + 11_000);
    expect(tracker.live(id)).toMatchObject({ requestsPerSecond: 0.1, errorsPerSecond: 0, cpuSecondsPerSecond: 0 });
    time.set(start + 16_000);
    expect(tracker.live(id)).toMatchObject({ requestsPerSecond: 0, p50Ms: null });
    expect(tracker.live('00000000-0000-4000-8000-000000000002')).toMatchObject({ requestsPerSecond: 0, p95Ms: null, memoryBytes: 0 });
  });
});
