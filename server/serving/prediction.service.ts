import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decodeOutputs, encodeRows } from '../experiments/ml/preprocessing';
import type { Prediction, Row, RowIssue } from '../experiments/ml/types';
import { ValidationMode } from '../deployments/deployment.entity';
import { DomainError, tooLarge } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { PredictionLog, PredictionRole, PredictionSource } from '../monitoring/prediction-log';
import type { Lease } from './switchable-slot';
import type { Metrics } from '../monitoring/metrics';
import { cpuMicrosSince, type UsageTracker } from '../monitoring/usage';
import type { ServedModel, ServingSet } from './deployment-registry';

/** The rows without the experiment's features this model was not trained on (not an error: another version uses them). */
/** Per set and model: the experiment's features this model does not take (computed once, not per request). */
const foreignFeatures = new WeakMap<ServingSet, Map<ServedModel, string[]>>();

function forModel(set: ServingSet, served: ServedModel, rows: Row[]): Row[] {
  let perModel = foreignFeatures.get(set);
  if (!perModel) foreignFeatures.set(set, (perModel = new Map()));
  let foreign = perModel.get(served);
  if (!foreign) {
    const own = new Set(served.spec.features.map((f) => f.name));
    perModel.set(served, (foreign = [...set.experimentFeatures].filter((name) => !own.has(name))));
  }
  if (foreign.length === 0) return rows;
  return rows.map((row) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
    const kept = { ...row };
    for (const name of foreign) delete kept[name];
    return kept;
  });
}

/** The public response of the predict API (keep it exactly). */
export interface PredictResponse {
  requestId: string;
  deployment: string;
  version: number;
  model: { id: string; name: string };
  predictions: Prediction[];
  /** best_effort only: what was dropped or imputed. */
  warnings?: RowIssue[];
}

export interface PredictionOptions {
  /** Most rows in one request. */
  maxRows: number;
  /** Most challenger rows waiting; beyond it they are shed (and counted), never slowing main. */
  challengerQueueRows: number;
}

/** What the challenger queue did, per deployment, since start: nothing is lost silently. */
export interface ChallengerCounters {
  done: number;
  shed: number;
  failed: number;
}

interface ChallengerWork {
  lease: Lease<ServingSet>;
  rows: Row[];
  requestId: string;
  source: PredictionSource;
  /** The main model's answers, for agreement. */
  main: Prediction[];
}

/**
 * The predict path: validate against the main model's feature schema, predict through its
 * micro-batcher, answer; then, off the latency path, the same rows go to the challenger and
 * both outputs go to the prediction log under one request id.
 */
export class PredictionService {
  private readonly challengerQueue: ChallengerWork[] = [];
  private challengerRowsQueued = 0;
  private draining = false;
  readonly challengerCounters = new Map<string, ChallengerCounters>();

  constructor(
    private readonly log: PredictionLog,
    private readonly usage: UsageTracker,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: PredictionOptions,
  ) {}

  /**
   * Predicts `rows` with the leased set's main model. Takes ownership of the lease: it is
   * released once the challenger (if any) is done with the rows too.
   */
  async predict(lease: Lease<ServingSet>, rows: Row[], source: PredictionSource, record = true): Promise<PredictResponse> {
    let handedOver = false;
    try {
      if (rows.length > this.options.maxRows) {
        throw tooLarge('inputs', `${rows.length} rows in one request; the limit is ${this.options.maxRows} (BERTH_MAX_PREDICT_ROWS)`);
      }
      const set = lease.value;
      const mode = set.deployment.validationMode;
      const started = performance.now();
      const requestId = randomUUID();
      let predictions: Awaited<ReturnType<PredictionService['run']>>;
      try {
        predictions = await this.run(set, set.main, forModel(set, set.main, rows), mode);
      } catch (error) {
        // A failure of the server (not of the input) counts in the error charts too.
        if (record && !(error instanceof DomainError)) {
          this.record({ set, role: 'main', requestId, rows, source, latencyMs: performance.now() - started, outputs: null, error: (error as Error).message });
        }
        throw error;
      }
      const latencyMs = performance.now() - started;
      if (record) {
        this.record({ set, role: 'main', requestId, rows, source, latencyMs, outputs: predictions.predictions });
        if (set.challenger) {
          handedOver = true;
          this.enqueueChallenger({ lease, rows, requestId, source, main: predictions.predictions });
        }
        // Backpressure: when the log cannot keep up, requests wait instead of rows being dropped.
        if (!this.log.writable) await this.log.whenWritable();
      }
      return {
        requestId,
        deployment: set.deployment.slug,
        version: set.version.number,
        model: { id: set.main.model.id, name: set.main.model.name },
        predictions: predictions.predictions,
        ...(predictions.warnings.length > 0 ? { warnings: predictions.warnings } : {}),
      };
    } finally {
      if (!handedOver) lease.release();
    }
  }

  /** Encodes with the model's own spec (strict: refuse on any issue), predicts, decodes. */
  private async run(set: ServingSet, served: ServedModel, rows: Row[], mode: ValidationMode): Promise<{ predictions: Prediction[]; warnings: RowIssue[] }> {
    // CPU of preprocessing here; the model call's is counted by the micro-batcher.
    let cpu = performance.now();
    const encoded = encodeRows(served.spec, rows, { mode });
    this.usage.recordCall(set.deployment.id, cpuMicrosSince(cpu), 0);
    if (encoded.rejected.length > 0) {
      throw new DomainError('BAD_USER_INPUT', `${encoded.rejected.length} of ${rows.length} rows are invalid; see details`, { details: encoded.issues });
    }
    const output = await served.batcher.predict(encoded.data, encoded.count);
    cpu = performance.now();
    const predictions = decodeOutputs(served.spec, output, encoded.count);
    this.usage.recordCall(set.deployment.id, cpuMicrosSince(cpu), 0);
    return { predictions, warnings: encoded.issues };
  }

  private counters(deploymentId: string): ChallengerCounters {
    let counters = this.challengerCounters.get(deploymentId);
    if (!counters) this.challengerCounters.set(deploymentId, (counters = { done: 0, shed: 0, failed: 0 }));
    return counters;
  }

  private enqueueChallenger(work: ChallengerWork): void {
    if (this.challengerRowsQueued + work.rows.length > this.options.challengerQueueRows) {
      const set = work.lease.value;
      this.counters(set.deployment.id).shed += work.rows.length;
      this.log.recordShed(set.deployment.id, set.challenger!.model.id, work.rows.length);
      this.metrics.countShed(set.deployment.slug, work.rows.length);
      work.lease.release();
      return;
    }
    this.challengerQueue.push(work);
    this.challengerRowsQueued += work.rows.length;
    if (!this.draining) setImmediate(() => void this.drainChallengers());
  }

  /** Runs queued challenger work after the responses that queued it have gone out. */
  private async drainChallengers(): Promise<void> {
    this.draining = true;
    try {
      while (this.challengerQueue.length > 0) {
        // Everything queued now goes to the batchers together, like concurrent requests would.
        const batch = this.challengerQueue.splice(0, this.challengerQueue.length);
        await Promise.all(batch.map((work) => this.runChallenger(work)));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runChallenger({ lease, rows, requestId, source, main }: ChallengerWork): Promise<void> {
    const set = lease.value;
    const challenger = set.challenger!;
    const counters = this.counters(set.deployment.id);
    const started = performance.now();
    try {
      const { predictions } = await this.run(set, challenger, forModel(set, challenger, rows), ValidationMode.best_effort);
      this.record({ set, role: 'challenger', requestId, rows, source, latencyMs: performance.now() - started, outputs: predictions, main });
      counters.done += rows.length;
      this.metrics.observeChallenger(set.deployment.slug, (performance.now() - started) / 1000, rows.length);
    } catch (error) {
      counters.failed += rows.length;
      this.metrics.countChallengerFailed(set.deployment.slug, rows.length);
      this.record({ set, role: 'challenger', requestId, rows, source, latencyMs: performance.now() - started, outputs: null, error: (error as Error).message, main });
      this.logger.warn({ err: error, deployment: set.deployment.slug }, 'the challenger failed; main answers are not affected');
    } finally {
      this.challengerRowsQueued -= rows.length;
      lease.release();
    }
  }

  /** One request's rows in the prediction log: its outputs, or the error that replaced them. */
  private record(entry: {
    set: ServingSet;
    role: PredictionRole;
    requestId: string;
    rows: Row[];
    source: PredictionSource;
    latencyMs: number;
    outputs: Prediction[] | null;
    error?: string;
    /** Challenger rows: the main model's answers, for agreement. */
    main?: Prediction[];
  }): void {
    const { set, role, rows } = entry;
    const served = role === 'main' ? set.main : set.challenger!;
    const createdAt = new Date();
    this.log.record(
      rows.map((input, rowIndex) => ({
        deploymentId: set.deployment.id,
        deploymentVersion: set.version.number,
        modelId: served.model.id,
        role,
        requestId: entry.requestId,
        rowIndex,
        input,
        output: entry.outputs?.[rowIndex] ?? null,
        error: entry.error,
        latencyMs: entry.latencyMs,
        source: entry.source,
        createdAt,
        binning: served.binning,
        mainOutput: entry.main?.[rowIndex],
      })),
    );
  }

  /** Resolves once no challenger work is queued or running (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.challengerRowsQueued > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
