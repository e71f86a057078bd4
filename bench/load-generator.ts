import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/**
 * autocannon in its own process, driven over IPC by a benchmark: on the server's event loop
 * it would take turns with the server it measures. Latencies are kept per response with
 * sub-millisecond precision (autocannon's own percentiles are whole milliseconds).
 */

export interface LoadRequest {
  id: number;
  url: string;
  body: string;
  /** Sent with every request, besides the content type. */
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  id: number;
  seconds: number;
  /** 2xx responses per second. */
  requestsPerSecond: number;
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Of 2xx responses, in milliseconds. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU time of this process per wall second: 1 = one core. */
  cores: number;
}

export type LoadReply = { type: 'result'; result: LoadResult } | { type: 'error'; id: number; message: string };

function run(request: LoadRequest): Promise<LoadResult> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: request.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: request.body,
        connections: request.connections,
        duration: request.seconds,
      },
      (error, result) => {
        if (error) return reject(error);
        const used = process.cpuUsage(cpu);
        const cores = (used.user + used.system) / 1000 / (performance.now() - started);
        const sorted = Float64Array.from(latencies).sort();
        const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);
        resolve({
          id: request.id,
          seconds: result.duration,
          requestsPerSecond: result['2xx'] / result.duration,
          responses: result.totalCompletedRequests,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
          latency: {
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            max: at(1),
            mean: sorted.length === 0 ? NaN : sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
          },
          cores,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

if (process.send) {
  const reply = (message: LoadReply) => process.send!(message);
  process.on('message', (request: LoadRequest) => {
    run(request).then(
      (result) => reply({ type: 'result', result }),
      (error: Error) => reply({ type: 'error', id: request.id, message: error.message }),
    );
  });
  // The benchmark is done (or died): nothing else keeps this process.
  process.on('disconnect', () => process.exit(0));
}
