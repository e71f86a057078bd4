import { spawnSync } from 'node:child_process';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { mountMetricsRoute } from '../../../server/http/metrics.routes';
import { Metrics } from '../../../server/telemetry/metrics';

/**
 * The exposition as Prometheus' own linter reads it: `promtool check metrics` (Debian package
 * `prometheus`; .ci/run installs it). Every series Berth writes is filled first, so a badly named
 * or typed one cannot hide behind an empty family.
 */
describe('the /metrics exposition', async () => {
  const metrics = new Metrics(() => ({ buffered: 3, lost: 1, handoverFailures: 1 }));
  metrics.observeRequest('penguins', 200, 0.004, 3);
  metrics.observeRequest('penguins', 400, 0.001, 0, false);
  metrics.observeRequest('penguins', 500, 0.2, 0);
  metrics.observeChallenger('penguins', 0.01, 3);
  metrics.countShed('penguins', 2);
  metrics.countChallengerFailed('penguins', 1);
  metrics.countCaughtFailure('challenger');
  const app = Fastify();
  mountMetricsRoute(app, metrics, undefined);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(() => app.close());

  it('passes promtool check metrics', async () => {
    const exposition = await (await fetch(`${url}/metrics`)).text();
    expect(exposition).toMatch(/^berth_request_duration_seconds_count\{deployment="penguins",role="main"\} 2$/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
    if (check.error) throw new Error(`promtool is not installed (${check.error.message}): apt-get install prometheus, as .ci/run does`);
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('has no gauge named like a counter (nodejs_active_*_total), and keeps the counts by type', async () => {
    const exposition = await (await fetch(`${url}/metrics`)).text();
    expect(exposition).not.toMatch(/^# TYPE \S+_total gauge$/m);
    expect(exposition).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
  });
});
