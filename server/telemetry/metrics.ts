import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_EDGES_MS } from '../monitoring/statistics';

/** What the prediction log writer reports; `PredictionLog.stats` fits. */
export interface PredictionLogGauges {
  /** Rows waiting to be written. */
  buffered: number;
  /** Rows that will never be written; must stay 0. */
  lost: number;
  /** Rows whose input or output could not be handed to the log's thread (written without it, or lost). */
  handoverFailures?: number;
}

/** Default metrics that are gauges named like counters (`_total`). */
const SUFFIXED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Where a failure off the request path was caught (a fixed set: labels never come from input). */
export type CaughtFailure = 'log_handover' | 'challenger' | 'request_hook';

/**
 * The Prometheus series of this process, in a registry of its own (the global one would mix
 * in whatever a dependency registers, and collide when tests build several apps). Labels are
 * deployment slugs of existing deployments only: an unknown slug in a URL must never create
 * a series, or anyone could grow the scrape without bound.
 */
export class Metrics {
  readonly register = new Registry();
  private readonly predictions: Counter<'deployment' | 'role'>;
  private readonly requests: Counter<'deployment' | 'status'>;
  private readonly errors: Counter<'deployment'>;
  private readonly duration: Histogram<'deployment' | 'role'>;
  private readonly shed: Counter<'deployment'>;
  private readonly challengerFailed: Counter<'deployment'>;
  private readonly caught: Counter<'where'>;
  /** Label children per deployment: resolving labels hashes them, on every request otherwise. */
  private readonly series = new Map<string, ReturnType<Metrics['seriesOf']>>();

  constructor(logStats: () => PredictionLogGauges) {
    const registers = [this.register];
    collectDefaultMetrics({ register: this.register });
    // prom-client's gauges with a counter's suffix (promtool check metrics refuses them); the
    // same counts remain, by type, in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
    for (const name of SUFFIXED_GAUGES) this.register.removeSingleMetric(name);
    this.predictions = new Counter({ name: 'berth_predictions_total', help: 'Rows predicted, by deployment and model role', labelNames: ['deployment', 'role'], registers });
    this.requests = new Counter({ name: 'berth_requests_total', help: 'Prediction requests answered, by deployment and status class', labelNames: ['deployment', 'status'], registers });
    this.errors = new Counter({ name: 'berth_request_errors_total', help: 'Prediction requests that failed on the server side (5xx)', labelNames: ['deployment'], registers });
    this.duration = new Histogram({
      name: 'berth_request_duration_seconds',
      help: 'Time to answer a prediction request (main) or to run its rows through the challenger',
      labelNames: ['deployment', 'role'],
      // The bins of the stored latency aggregates, so a scrape and a chart bucket alike.
      buckets: LATENCY_EDGES_MS.map((ms) => ms / 1000),
      registers,
    });
    this.shed = new Counter({ name: 'berth_challenger_shed_total', help: 'Rows not sent to the challenger because its queue was full', labelNames: ['deployment'], registers });
    this.challengerFailed = new Counter({ name: 'berth_challenger_failed_total', help: 'Rows the challenger failed to predict', labelNames: ['deployment'], registers });
    let handoverReported = 0;
    this.caught = new Counter({
      name: 'berth_caught_failures_total',
      help: 'Failures caught in timers, callbacks and hand-overs of the request path (each is logged too; none stops the server); log_handover counts values sent as null, or rows lost',
      labelNames: ['where'],
      registers,
      collect() {
        const failures = logStats().handoverFailures ?? 0;
        if (failures > handoverReported) this.inc({ where: 'log_handover' }, failures - handoverReported);
        handoverReported = Math.max(handoverReported, failures);
      },
    });
    new Gauge({
      name: 'berth_prediction_log_backlog',
      help: 'Prediction rows waiting to be written to the database',
      registers,
      collect() {
        this.set(logStats().buffered);
      },
    });
    let lostReported = 0;
    new Counter({
      name: 'berth_prediction_log_lost_total',
      help: 'Prediction rows that could not be written and were dropped',
      registers,
      collect() {
        // A counter cannot be set: add what was lost since the last scrape.
        const lost = logStats().lost;
        if (lost > lostReported) this.inc(lost - lostReported);
        lostReported = Math.max(lostReported, lost);
      },
    });
  }

  /**
   * A client's prediction request, answered with HTTP `status` after `seconds`; `rows` count as
   * predicted when it succeeded. Only a request that reached the model is timed: one refused
   * before (401, 403, 404, 400) would pull the model's latency histogram towards zero.
   */
  observeRequest(slug: string, status: number, seconds: number, rows: number, reachedModel = true): void {
    const series = this.of(slug);
    if (status >= 200 && status < 300) {
      series.succeeded.inc();
      if (rows > 0) series.mainRows.inc(rows);
    } else {
      this.requests.inc({ deployment: slug, status: statusClass(status) });
    }
    if (status >= 500) this.errors.inc({ deployment: slug });
    if (reachedModel) series.mainDuration.observe(seconds);
  }

  /** The challenger predicted a request's `rows` in `seconds` (off the latency path: not a request of its own). */
  observeChallenger(slug: string, seconds: number, rows: number): void {
    const series = this.of(slug);
    series.challengerDuration.observe(seconds);
    if (rows > 0) series.challengerRows.inc(rows);
  }

  /** Rows not sent to the challenger because its queue was full. */
  countShed(slug: string, rows: number): void {
    if (rows > 0) this.shed.inc({ deployment: slug }, rows);
  }

  /** Rows the challenger failed on. */
  countChallengerFailed(slug: string, rows: number): void {
    if (rows > 0) this.challengerFailed.inc({ deployment: slug }, rows);
  }

  /** A failure caught where nothing else would have (a timer, a callback): counted, and logged by the caller. */
  countCaughtFailure(where: CaughtFailure): void {
    this.caught.inc({ where });
  }

  private of(slug: string) {
    let series = this.series.get(slug);
    if (!series) this.series.set(slug, (series = this.seriesOf(slug)));
    return series;
  }

  private seriesOf(slug: string) {
    return {
      succeeded: this.requests.labels(slug, '2xx'),
      mainRows: this.predictions.labels(slug, 'main'),
      mainDuration: this.duration.labels(slug, 'main'),
      challengerRows: this.predictions.labels(slug, 'challenger'),
      challengerDuration: this.duration.labels(slug, 'challenger'),
    };
  }
}

function statusClass(status: number): string {
  return `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
}
