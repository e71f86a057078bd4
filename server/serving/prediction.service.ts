import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { nonScalarIssues, typicalValues, type TypicalValues } from '../ml/preprocessing';
import type { PreprocessingSpec, Prediction, Row, RowIssue } from '../ml/types';
import { showValue } from '../ml/values';
import { ValidationMode } from '../deployments/deployment.entity';
import { DomainError, tooLarge } from '../platform/errors';
import type { Deployment } from '../deployments/deployment.entity';
import type { Logger } from '../platform/logger';
import type { PredictionLog, PredictionRole, PredictionSource } from '../monitoring/log/prediction-log';
import type { Lease, SwitchableSlot } from './switchable-slot';
import type { Metrics } from '../telemetry/metrics';
import { cpuMicrosSince, type UsageTracker } from '../telemetry/usage';
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

/** Issues (best_effort keeps their rows) and unusual values, by row. */
function warningsOf(issues: RowIssue[], unusual: RowIssue[]): RowIssue[] {
  if (unusual.length === 0) return issues;
  if (issues.length === 0) return unusual;
  // Stable: within a row, issues before unusual values.
  return [...issues, ...unusual].sort((a, b) => a.row - b.row);
}

/**
 * Values whose JSON type is not the feature's: a number or a boolean sent for a categorical
 * feature. encodeRows reads them as the category's text (so batch rows from CSV and SQL keep
 * working); on the predict API a strict deployment refuses them and best_effort says it
 * converted them, since `"Island": 3` is more likely a client bug than a category named "3".
 */
function typeIssues(spec: PreprocessingSpec, rows: readonly Row[], strict: boolean): RowIssue[] {
  let issues: RowIssue[] | undefined;
  const categorical = spec.features.filter((f) => f.type === 'categorical').map((f) => f.name);
  if (categorical.length === 0) return [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) continue;
    for (const field of categorical) {
      const value = row[field];
      if (typeof value !== 'number' && typeof value !== 'boolean') continue;
      const message = `expected a category (text), got the ${typeof value} ${showValue(value)}`;
      (issues ??= []).push({ row: index, field, message: strict ? `${message}; send it as a string` : `${message}; read as "${String(value)}"` });
    }
  }
  return issues ?? [];
}

/** Per served model: what its training data looked like (computed once, not per request). */
const typicalOf = new WeakMap<ServedModel, TypicalValues>();

function typical(served: ServedModel): TypicalValues {
  let values = typicalOf.get(served);
  if (!values) typicalOf.set(served, (values = typicalValues(served.spec, served.binning.profile)));
  return values;
}

/** What a request is predicted against: a deployment and the slot its serving sets are leased from. */
export interface PredictTarget {
  deployment: Deployment;
  slot: SwitchableSlot<ServingSet>;
}

export interface PredictOptions {
  /** Where the request came from, for the source column of monitoring. */
  source: PredictionSource;
  /** False for the registry's probes: they are neither logged nor given to the challenger. */
  record: boolean;
  /** The deployment version the client asked for (V2's versioned paths): 404 when another one serves. */
  version?: number;
}

/** A response and the serving set that produced it (codecs read its spec to encode outputs). */
export interface PredictResult {
  response: PredictResponse;
  set: ServingSet;
}

/** The public response of the predict API (keep it exactly). */
export interface PredictResponse {
  requestId: string;
  deployment: string;
  version: number;
  /** The main model: `experimentVersion` is the number of its experiment version (v1, v2…). */
  model: { id: string; name: string; experimentVersion: number };
  predictions: Prediction[];
  /** What was dropped or imputed (best_effort), and values unlike the training data (unseen categories, numbers far outside the training range). */
  warnings?: RowIssue[];
}

export interface PredictionOptions {
  /** Most rows in one request. */
  maxRows: number;
  /** Most challenger rows waiting; beyond it they are shed (and counted), never slowing main. */
  challengerQueueRows: number;
  /** How long challenger rows wait for more to share one model call (0: the next event-loop turn). */
  challengerBatchMs: number;
}

/** Challenger rows that go to the model at once, without waiting for `challengerBatchMs` (the micro-batcher's default batch). */
const CHALLENGER_BATCH_ROWS = 256;

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
  private drainTimer: NodeJS.Timeout | undefined;
  readonly challengerCounters = new Map<string, ChallengerCounters>();

  constructor(
    private readonly log: PredictionLog,
    private readonly usage: UsageTracker,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: PredictionOptions,
  ) {}

  /**
   * Predicts `rows` with the main model of the target's current serving set. Leases the set
   * itself, so a switch never mixes versions within a request, and releases it once the
   * challenger (if any) is done with the rows too: callers never hold a lease.
   */
  async predict(target: PredictTarget, rows: Row[], options: PredictOptions): Promise<PredictResult> {
    const lease = target.slot.current();
    if (!lease) throw notDeployed(target.deployment.slug);
    let handedOver = false;
    const { source, record } = options;
    try {
      if (options.version !== undefined && options.version !== lease.value.version.number) {
        throw new DomainError('NOT_FOUND', `Deployment ${target.deployment.slug} has no version ${options.version} serving: version ${lease.value.version.number} serves now`);
      }
      if (rows.length > this.options.maxRows) {
        throw tooLarge('inputs', `${rows.length} rows in one request; the limit is ${this.options.maxRows} (BERTH_MAX_PREDICT_ROWS)`);
      }
      // In every validation mode and for every field (the model's or not): such a row is a malformed request, not a bad value to impute.
      const malformed = nonScalarIssues(rows);
      if (malformed.length > 0) {
        const [first] = malformed;
        const more = malformed.length > 1 ? `; ${malformed.length} such values in all, see details` : '';
        throw new DomainError('BAD_USER_INPUT', `row ${first!.row}, field "${first!.field}": ${first!.message}${more}`, { details: malformed });
      }
      const set = lease.value;
      const mode = set.deployment.validationMode;
      const strict = mode === ValidationMode.strict;
      const converted = typeIssues(set.main.spec, rows, strict);
      if (strict && converted.length > 0) {
        const [first] = converted;
        throw new DomainError('BAD_USER_INPUT', `row ${first!.row}, field "${first!.field}": ${first!.message}`, { details: converted });
      }
      const started = performance.now();
      const requestId = randomUUID();
      let predictions: Awaited<ReturnType<PredictionService['run']>>;
      try {
        predictions = await this.run(set, set.main, forModel(set, set.main, rows), mode);
        if (converted.length > 0) predictions = { ...predictions, warnings: warningsOf(converted, predictions.warnings) };
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
      const response: PredictResponse = {
        requestId,
        deployment: set.deployment.slug,
        version: set.version.number,
        model: { id: set.main.model.id, name: set.main.model.name, experimentVersion: set.main.experimentVersion },
        predictions: predictions.predictions,
        ...(predictions.warnings.length > 0 ? { warnings: predictions.warnings } : {}),
      };
      return { response, set };
    } finally {
      if (!handedOver) lease.release();
    }
  }

  /** Encodes with the model's own spec and contract (strict: refuse on any issue), predicts, decodes. */
  private async run(set: ServingSet, served: ServedModel, rows: Row[], mode: ValidationMode): Promise<{ predictions: Prediction[]; warnings: RowIssue[] }> {
    // CPU of preprocessing here; the model call's is counted by the micro-batcher.
    let cpu = performance.now();
    const encoded = served.codec.encode(rows, { mode, typical: typical(served) });
    this.usage.recordCall(set.deployment.id, cpuMicrosSince(cpu), 0);
    if (encoded.rejected.length > 0) {
      throw new DomainError('BAD_USER_INPUT', `${encoded.rejected.length} of ${rows.length} rows are invalid; see details`, { details: encoded.issues });
    }
    const output = await served.batcher.predict(encoded.batch);
    cpu = performance.now();
    const predictions = served.codec.decode(output, encoded.batch.rows);
    this.usage.recordCall(set.deployment.id, cpuMicrosSince(cpu), 0);
    return { predictions, warnings: warningsOf(encoded.issues, encoded.unusual) };
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
    this.scheduleChallengers();
  }

  /** A full batch goes at once; fewer rows wait up to `challengerBatchMs` for more. */
  private scheduleChallengers(): void {
    // A running drain picks up what is queued meanwhile.
    if (this.draining) return;
    const drain = () => {
      this.drainTimer = undefined;
      this.draining = true;
      void this.drainChallengers();
    };
    if (this.challengerRowsQueued >= CHALLENGER_BATCH_ROWS) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      this.draining = true;
      setImmediate(drain);
    } else {
      this.drainTimer ??= setTimeout(drain, this.options.challengerBatchMs);
    }
  }

  /**
   * Runs queued challenger work after the responses that queued it have gone out: requests of
   * one serving set together, in model calls of up to CHALLENGER_BATCH_ROWS rows (a call per
   * request would spend the CPU main requests need on the fixed cost of a model call).
   */
  private async drainChallengers(): Promise<void> {
    try {
      do {
        const set = this.challengerQueue[0]!.lease.value;
        let count = 1;
        let rows = this.challengerQueue[0]!.rows.length;
        for (; count < this.challengerQueue.length; count++) {
          const next = this.challengerQueue[count]!;
          if (next.lease.value !== set || rows + next.rows.length > CHALLENGER_BATCH_ROWS) break;
          rows += next.rows.length;
        }
        await this.runChallenger(this.challengerQueue.splice(0, count));
      } while (this.challengerRowsQueued >= CHALLENGER_BATCH_ROWS);
    } catch (error) {
      // Runs from a timer: a failure here would otherwise be an unhandled rejection, which ends the process.
      this.metrics.countCaughtFailure('challenger');
      this.logger.error({ err: error }, 'the challenger queue failed; main answers are not affected');
    } finally {
      this.draining = false;
      if (this.challengerQueue.length > 0) this.scheduleChallengers();
    }
  }

  /** The rows of several requests of one serving set, in one model call; each request recorded under its own id. */
  private async runChallenger(works: ChallengerWork[]): Promise<void> {
    const set = works[0]!.lease.value;
    const challenger = set.challenger!;
    const counters = this.counters(set.deployment.id);
    const rows = works.length === 1 ? works[0]!.rows : works.flatMap((work) => work.rows);
    const started = performance.now();
    try {
      const { predictions } = await this.run(set, challenger, forModel(set, challenger, rows), ValidationMode.best_effort);
      const latencyMs = performance.now() - started;
      let offset = 0;
      for (const { rows, requestId, source, main } of works) {
        this.record({ set, role: 'challenger', requestId, rows, source, latencyMs, outputs: predictions.slice(offset, offset + rows.length), main });
        this.metrics.observeChallenger(set.deployment.slug, latencyMs / 1000, rows.length);
        offset += rows.length;
      }
      counters.done += rows.length;
    } catch (error) {
      const latencyMs = performance.now() - started;
      counters.failed += rows.length;
      this.metrics.countChallengerFailed(set.deployment.slug, rows.length);
      for (const { rows, requestId, source, main } of works) {
        this.record({ set, role: 'challenger', requestId, rows, source, latencyMs, outputs: null, error: (error as Error).message, main });
      }
      this.logger.warn({ err: error, deployment: set.deployment.slug }, 'the challenger failed; main answers are not affected');
    } finally {
      for (const work of works) {
        this.challengerRowsQueued -= work.rows.length;
        work.lease.release();
      }
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

export const notDeployed = (slug: string) => new DomainError('UNAVAILABLE', `Deployment ${slug} has no model loaded yet; try again shortly`);
