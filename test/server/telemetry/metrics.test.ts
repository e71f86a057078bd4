import { afterAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { mountMetricsRoute } from '../../../server/http/metrics.routes';
import { Metrics } from '../../../server/telemetry/metrics';

/** A Fastify app serving only /metrics, listening on a free port. */
async function serve(metrics: Metrics, token: string | undefined): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  mountMetricsRoute(app, metrics, token);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

describe('/metrics', async () => {
  const log = { buffered: 7, lost: 0 };
  const metrics = new Metrics(() => log);
  const secured = await serve(metrics, 'scrape-me-please');
  const open = await serve(new Metrics(() => ({ buffered: 0, lost: 0 })), undefined);
  afterAll(async () => {
    await secured.app.close();
    await open.app.close();
  });

  const scrape = async (headers: Record<string, string> = { authorization: 'Bearer scrape-me-please' }) => {
    const response = await fetch(`${secured.url}/metrics`, { headers });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text(), challenge: response.headers.get('www-authenticate') };
  };

  it('requires the bearer token when one is configured', async () => {
    const missing = await scrape({});
    expect(missing.status).toBe(401);
    expect(missing.challenge).toMatch(/^Bearer/);
    expect(missing.text).not.toContain('berth_');
    expect((await scrape({ authorization: 'Bearer scrape-me' })).status).toBe(401);
    expect((await scrape({ authorization: 'Basic c2NyYXBlLW1lLXBsZWFzZQ==' })).status).toBe(401);
    const allowed = await scrape();
    expect(allowed.status).toBe(200);
    expect(allowed.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('is open to this machine without a token', async () => {
    const response = await fetch(`${open.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('berth_prediction_log_backlog 0');
  });

  it('without a token, refuses requests a reverse proxy forwarded, even from this machine', async () => {
    const forwarded: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }];
    for (const headers of forwarded) {
      const response = await fetch(`${open.url}/metrics`, { headers });
      expect(response.status).toBe(403);
      const body = await response.text();
      expect(body).toContain('BERTH_METRICS_TOKEN');
      expect(body).not.toContain('berth_prediction_log_backlog');
    }
  });

  // Reached through this machine's own network address (not loopback), as another host would.
  const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  it.skipIf(!external)('without a token, refuses clients on other machines; with one, serves them', async () => {
    const everywhere = async (token: string | undefined) => {
      const app = Fastify();
      mountMetricsRoute(app, new Metrics(() => ({ buffered: 0, lost: 0 })), token);
      await app.listen({ host: '0.0.0.0', port: 0 });
      return { app, port: (app.server.address() as AddressInfo).port };
    };
    const unsecured = await everywhere(undefined);
    const withToken = await everywhere('scrape-me-please');
    try {
      const refused = await fetch(`http://${external}:${unsecured.port}/metrics`);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toMatch(/only to this machine \(loopback\) unless BERTH_METRICS_TOKEN is set/);
      expect((await fetch(`http://127.0.0.1:${unsecured.port}/metrics`)).status).toBe(200);
      expect((await fetch(`http://${external}:${withToken.port}/metrics`)).status).toBe(401);
      expect((await fetch(`http://${external}:${withToken.port}/metrics`, { headers: { authorization: 'Bearer scrape-me-please' } })).status).toBe(200);
    } finally {
      await unsecured.app.close();
      await withToken.app.close();
    }
  });

  it('shows the labelled series after observations, with the process defaults', async () => {
    metrics.observeRequest('penguins', 200, 0.004, 3);
    metrics.observeRequest('penguins', 200, 0.03, 2);
    metrics.observeRequest('penguins', 422, 0.001, 4);
    metrics.observeRequest('penguins', 503, 0.2, 1);
    metrics.observeRequest('cars', 200, 0.002, 1);
    metrics.observeChallenger('penguins', 0.01, 5);
    metrics.countShed('penguins', 6);
    metrics.countChallengerFailed('penguins', 2);

    const { text } = await scrape();
    const lines = text.split('\n');
    const expected = [
      'berth_predictions_total{deployment="penguins",role="main"} 5',
      'berth_predictions_total{deployment="penguins",role="challenger"} 5',
      'berth_predictions_total{deployment="cars",role="main"} 1',
      'berth_requests_total{deployment="penguins",status="2xx"} 2',
      'berth_requests_total{deployment="penguins",status="4xx"} 1',
      'berth_requests_total{deployment="penguins",status="5xx"} 1',
      'berth_request_errors_total{deployment="penguins"} 1',
      'berth_request_duration_seconds_count{deployment="penguins",role="main"} 4',
      'berth_request_duration_seconds_bucket{le="0.005",deployment="penguins",role="main"} 2',
      'berth_request_duration_seconds_count{deployment="penguins",role="challenger"} 1',
      'berth_challenger_shed_total{deployment="penguins"} 6',
      'berth_challenger_failed_total{deployment="penguins"} 2',
      'berth_prediction_log_backlog 7',
      'berth_prediction_log_lost_total 0',
    ];
    for (const line of expected) expect(lines).toContain(line);
    expect(lines.some((line) => line.startsWith('process_cpu_user_seconds_total '))).toBe(true);
    expect(text).not.toMatch(/berth_request_errors_total\{deployment="cars"\} [1-9]/);
  });

  it('follows the prediction log: backlog as it is, lost rows counted once', async () => {
    log.buffered = 42;
    log.lost = 3;
    expect((await scrape()).text.split('\n')).toEqual(expect.arrayContaining(['berth_prediction_log_backlog 42', 'berth_prediction_log_lost_total 3']));
    expect((await scrape()).text.split('\n')).toContain('berth_prediction_log_lost_total 3');
    log.lost = 5;
    expect((await scrape()).text.split('\n')).toContain('berth_prediction_log_lost_total 5');
  });
});
