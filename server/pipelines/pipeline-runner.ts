import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { In, type DataSource } from 'typeorm';
import type { DeploymentService } from '../deployments/deployment.service';
import type { DatasetService } from '../experiments/dataset.service';
import type { ExperimentService } from '../experiments/experiment.service';
import { readCsvRows } from '../experiments/ml/csv';
import type { Prediction, PreprocessingSpec, Row } from '../experiments/ml/types';
import type { Binning, PredictionLog } from '../monitoring/prediction-log';
import type { RunPredictions } from '../monitoring/run-files';
import type { ArtifactStore, StoredArtifact } from '../platform/artifact-store';
import { topicFor, type EventBus } from '../platform/event-bus';
import type { Logger } from '../platform/logger';
import { codecFor, runtimeFor, type ModelBatch, type ModelCodec, type ModelRuntime } from '../ml/runtimes';
import { modelFiles } from '../serving/deployment-registry';
import { csvCell } from '../platform/csv';
import { CsvFileWriter, probabilityCell } from './csv-writer';
import { PipelineRun, RunStatus, type RunFile, type RunFileKind } from './pipeline-run.entity';
import { Pipeline, PipelineSourceKind } from './pipeline.entity';

export const PIPELINE_RUN_UPDATED = 'PIPELINE_RUN_UPDATED';
/** Rows read, validated and predicted together. */
const CHUNK_ROWS = 1000;

/** External-database access the runner needs (the connectors domain provides it). */
export interface ConnectorAccess {
  readSql(connectorId: string, sql: string, chunkRows: number): AsyncIterable<Row[]>;
  openTable(connectorId: string, table: string, columns: Array<{ name: string; type: 'double precision' | 'text' | 'boolean' | 'jsonb' }>, runId: string): Promise<{ write(rows: Array<Record<string, unknown>>): Promise<void>; commit(): Promise<number>; rollback(): Promise<void> }>;
}

interface LoadedModel {
  id: string;
  spec: PreprocessingSpec;
  binning: Binning;
  codec: ModelCodec;
  runtime: ModelRuntime;
}

/** A failure the run reports as its error, as it is: the message says what and where. */
class RunFailure extends Error {}
class RunCancelled extends Error {}

/**
 * Executes one pipeline run: streams the source in chunks through the deployment's current
 * main and challenger models (the same preprocessing module as online serving), writes the
 * main, challenger and errors files in source order, delivers to the destination table in one
 * transaction (all or nothing), and records the predictions in monitoring. Safe to execute
 * again (a worker that died mid-run): counters, files and the destination rows start over.
 */
export class PipelineRunner {
  constructor(
    private readonly deps: {
      db: DataSource;
      bus: EventBus;
      artifacts: ArtifactStore;
      datasets: DatasetService;
      experiments: ExperimentService;
      deployments: DeploymentService;
      connectors: ConnectorAccess;
      predictionLog: PredictionLog;
      logger: Logger;
      dataDir: string;
    },
  ) {}

  async execute(runId: string, touch: () => Promise<void> = async () => undefined): Promise<'done' | 'retry'> {
    const { db } = this.deps;
    const runs = db.getRepository(PipelineRun);
    const run = await runs.findOneBy({ id: runId });
    if (!run || [RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled].includes(run.status)) return 'done';
    const pipeline = await db.getRepository(Pipeline).findOneByOrFail({ id: run.pipelineId });
    // A run found 'running' was left by a worker that died: it starts over as a new attempt.
    const attempt = run.status === RunStatus.running ? run.attempt + 1 : run.attempt;
    const start = { status: RunStatus.running, attempt, startedAt: new Date(), finishedAt: null, error: null, rowsRead: 0, rowsPredicted: 0, rowsFailed: 0, progress: null, files: {} };
    // Only a run still queued (or left running) is claimed: a cancel that came in since it was read wins.
    const claimed = await runs.update({ id: run.id, status: In([RunStatus.queued, RunStatus.running]) }, start);
    if (!claimed.affected) return 'done';
    Object.assign(run, start);
    await this.announce(run);

    const workDir = path.join(this.deps.dataDir, 'tmp', `run-${run.id}`);
    const loaded: LoadedModel[] = [];
    let destination: Awaited<ReturnType<ConnectorAccess['openTable']>> | undefined;
    const progress = new ProgressWriter(db);
    try {
      if (!pipeline.deploymentId) throw new RunFailure('the deployment of this pipeline was deleted; nothing can predict');
      const deployment = await this.deps.deployments.get(pipeline.deploymentId).catch(() => {
        throw new RunFailure('the deployment of this pipeline was deleted; nothing can predict');
      });
      const version = await this.deps.deployments.currentVersion(deployment);
      if (!version) throw new RunFailure(`deployment ${deployment.slug} has no version yet`);
      run.deploymentVersion = version.number;
      const main = await this.load(version.mainModelId);
      loaded.push(main);
      const challenger = version.challengerModelId ? await this.load(version.challengerModelId) : null;
      if (challenger) loaded.push(challenger);

      await mkdir(workDir, { recursive: true });
      const features = main.spec.features.map((f) => f.name);
      const labels = main.spec.target.task === 'regression' ? [] : main.spec.target.labels;
      const header = [...features, 'prediction', ...labels.map((l) => `probability_${l}`)];
      const writers: Partial<Record<RunFileKind, CsvFileWriter>> = {
        main: new CsvFileWriter(path.join(workDir, 'main.csv'), header),
        errors: new CsvFileWriter(path.join(workDir, 'errors.csv'), ['row', 'field', 'message']),
      };
      if (challenger) writers.challenger = new CsvFileWriter(path.join(workDir, 'challenger.csv'), header);
      if (pipeline.destinationConnectorId && pipeline.destinationTable) {
        destination = await this.deps.connectors.openTable(
          pipeline.destinationConnectorId,
          pipeline.destinationTable,
          [
            ...main.spec.features.map((f) => ({ name: f.name, type: f.type === 'numeric' ? ('double precision' as const) : f.type === 'boolean' ? ('boolean' as const) : ('text' as const) })),
            { name: 'prediction', type: main.spec.target.task === 'regression' ? 'double precision' : 'text' },
            ...labels.map((l) => ({ name: `probability_${l}`, type: 'double precision' as const })),
            { name: 'model_role', type: 'text' },
          ],
          run.id,
        );
      }

      if (pipeline.sourceKind === PipelineSourceKind.dataset) {
        const dataset = await this.deps.datasets.get(pipeline.sourceDatasetId!);
        run.rowsTotal = dataset.rows;
      }
      let lastHeartbeat = Date.now();
      for await (const chunk of this.source(pipeline)) {
        const firstRow = run.rowsRead + 1;
        run.rowsRead += chunk.length;

        const encoded = main.codec.encode(chunk, { mode: 'strict', firstRowNumber: firstRow });
        const rejected = new Set(encoded.rejected);
        for (const issue of encoded.issues) await writers.errors!.write([issue.row, issue.field, issue.message]);
        run.rowsFailed += rejected.size;
        const valid = rejected.size === 0 ? chunk : chunk.filter((_, i) => !rejected.has(i));
        if (valid.length > 0) {
          const mainPredictions = await this.predict(main, encoded.batch);
          // The input columns once for both files: formatting cells is most of the cost of writing them.
          const inputCells = valid.map((row) => {
            let cells = '';
            for (const feature of features) cells += `${csvCell(row[feature])},`;
            return cells;
          });
          await this.writeRows(writers.main!, inputCells, labels, mainPredictions);
          let challengerPredictions: Prediction[] | null = null;
          if (challenger) {
            const forChallenger = challenger.codec.encode(valid, { mode: 'best_effort' });
            challengerPredictions = await this.predict(challenger, forChallenger.batch);
            await this.writeRows(writers.challenger!, inputCells, labels, challengerPredictions);
          }
          if (destination) {
            const now = new Date();
            const rows = (predictions: Prediction[], role: string) =>
              valid.map((row, i) => ({
                ...Object.fromEntries(features.map((f) => [f, row[f] ?? null])),
                prediction: predictions[i]!.prediction,
                ...Object.fromEntries(labels.map((l) => [`probability_${l}`, predictions[i]!.probabilities?.[l] ?? null])),
                model_role: role,
                predicted_at: now,
              }));
            await destination.write([...rows(mainPredictions, 'main'), ...(challengerPredictions ? rows(challengerPredictions, 'challenger') : [])]);
          }
          run.rowsPredicted += valid.length;
        }
        run.progress = run.rowsTotal ? run.rowsRead / run.rowsTotal : null;
        progress.save(run);
        if (progress.cancelRequested) throw new RunCancelled('cancelled by a user');
        // Progress events and the job lock's renewal at most once a second, not per chunk.
        if (Date.now() - lastHeartbeat >= 1000) {
          lastHeartbeat = Date.now();
          await this.announce(run);
          await touch();
        }
      }

      await progress.settle();
      if (run.rowsRead === 0) throw new RunFailure('the source returned no rows');
      if (run.rowsFailed / run.rowsRead > pipeline.maxErrorRatio) {
        throw new RunFailure(`${run.rowsFailed} of ${run.rowsRead} rows failed validation, more than the ${pipeline.maxErrorRatio * 100} % the pipeline accepts; see the errors file`);
      }
      const digests: Partial<Record<RunFileKind, StoredArtifact>> = {};
      for (const [kind, writer] of Object.entries(writers) as Array<[RunFileKind, CsvFileWriter]>) digests[kind] = await writer.close();
      // Monitoring's names for the result files, before the store moves them: hard links, nothing is copied.
      const forMonitoring = run.rowsPredicted > 0 ? await linkForMonitoring(workDir, challenger ? ['main', 'challenger'] : ['main']) : null;
      // An errors file only when some rows failed validation.
      run.files = {};
      for (const kind of Object.keys(digests) as RunFileKind[]) {
        if (kind !== 'errors' || run.rowsFailed > 0) run.files[kind] = await this.deps.artifacts.adopt(path.join(workDir, `${kind}.csv`), digests[kind]!);
      }
      if (destination) await destination.commit();
      destination = undefined;
      Object.assign(run, { status: RunStatus.succeeded, finishedAt: new Date(), progress: 1 });
      await runs.save(run);
      await this.announce(run);
      // Monitoring reads the predictions back from the result files, on the log's thread.
      if (forMonitoring) {
        this.recordInMonitoring(run, {
          deploymentId: deployment.id,
          deploymentVersion: version.number,
          main: { modelId: main.id, binning: main.binning, file: forMonitoring.main! },
          challenger: challenger && { modelId: challenger.id, binning: challenger.binning, file: forMonitoring.challenger! },
          rows: run.rowsPredicted,
          features: main.spec.features.map((f) => ({ name: f.name, numeric: f.type === 'numeric' })),
          labels,
          regression: main.spec.target.task === 'regression',
          startedAt: run.startedAt!.getTime(),
          finishedAt: run.finishedAt!.getTime(),
        });
      }
      return 'done';
    } catch (error) {
      await progress.settle().catch(() => undefined);
      await destination?.rollback().catch((e) => this.deps.logger.warn({ err: e }, 'could not roll the destination back'));
      const cancelled = error instanceof RunCancelled;
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof RunFailure) && !cancelled) this.deps.logger.error({ err: error, runId }, 'pipeline run failed');
      // The errors file explains a validation failure: keep it even when the run fails.
      const files = run.rowsFailed > 0 ? await this.store(workDir, ['errors']).catch(() => ({})) : {};
      const retry = !cancelled && attempt <= pipeline.retryAttempts;
      Object.assign(run, {
        status: cancelled ? RunStatus.cancelled : retry ? RunStatus.queued : RunStatus.failed,
        finishedAt: retry ? null : new Date(),
        error: retry ? `attempt ${attempt} failed: ${message}; retrying` : message,
        attempt: retry ? attempt + 1 : attempt,
        files,
      });
      await runs.save(run);
      await this.announce(run);
      return retry ? 'retry' : 'done';
    } finally {
      for (const model of loaded) model.runtime.unload();
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async *source(pipeline: Pipeline): AsyncGenerator<Row[]> {
    if (pipeline.sourceKind === PipelineSourceKind.sql) {
      yield* this.deps.connectors.readSql(pipeline.sourceConnectorId!, pipeline.sourceSql!, CHUNK_ROWS);
      return;
    }
    const dataset = await this.deps.datasets.get(pipeline.sourceDatasetId!);
    let chunk: Row[] = [];
    for await (const row of readCsvRows(this.deps.artifacts.open(dataset.sha256), { fileName: dataset.fileName })) {
      chunk.push(row);
      if (chunk.length === CHUNK_ROWS) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  private async load(modelId: string): Promise<LoadedModel> {
    const model = await this.deps.experiments.model(modelId);
    const version = await this.deps.experiments.version(model.versionId);
    const runtime = runtimeFor(model, modelFiles(this.deps.artifacts, model));
    try {
      await runtime.load();
    } catch (error) {
      throw new RunFailure(`model "${model.name}" could not be loaded: ${(error as Error).message}`);
    }
    const spec = version.preprocessing!;
    return { id: model.id, spec, binning: { profile: version.profile, predictions: model.holdoutDistribution }, codec: codecFor(spec, model.contract), runtime };
  }

  private async predict(model: LoadedModel, batch: ModelBatch): Promise<Prediction[]> {
    return model.codec.decode(await model.runtime.predict(batch), batch.rows);
  }

  /** Input cells, prediction and probabilities per row, as one string (this runs for every row of a run). */
  private writeRows(writer: CsvFileWriter, inputCells: string[], labels: string[], predictions: Prediction[]): Promise<void> {
    let text = '';
    for (let i = 0; i < predictions.length; i++) {
      const { prediction, probabilities } = predictions[i]!;
      text += inputCells[i]! + csvCell(prediction);
      for (const label of labels) text += `,${probabilityCell(probabilities?.[label])}`;
      text += '\n';
    }
    return writer.writeText(text);
  }

  /** The run has succeeded already: a failure to hand its predictions over is said, not fatal to it. */
  private recordInMonitoring(run: PipelineRun, predictions: RunPredictions): void {
    try {
      this.deps.predictionLog.recordRun(predictions);
    } catch (error) {
      this.deps.logger.error({ err: error, runId: run.id }, "the run's predictions could not be handed to monitoring");
    }
  }

  private async store(workDir: string, kinds: RunFileKind[]): Promise<Partial<Record<RunFileKind, RunFile>>> {
    const files: Partial<Record<RunFileKind, RunFile>> = {};
    for (const kind of kinds) {
      const file = path.join(workDir, `${kind}.csv`);
      // A run that failed before it started writing has no files.
      if (existsSync(file)) files[kind] = await this.deps.artifacts.put(createReadStream(file));
    }
    return files;
  }

  private announce(run: PipelineRun): Promise<void> {
    const update = { runId: run.id, pipelineId: run.pipelineId };
    return this.deps.bus.publish(topicFor(PIPELINE_RUN_UPDATED, run.pipelineId), update).catch(() => undefined);
  }
}

/**
 * Saves a run's progress, and reads whether a user asked to cancel it, in the background: one
 * round trip at a time, never waited for by the run (the database is busy writing the run's
 * predictions to the log; a chunk waiting on it would idle the run). A chunk whose save finds one
 * still in flight skips it; the next chunk's save, or the run's final save, carries its counts.
 */
class ProgressWriter {
  cancelRequested = false;
  private inFlight: Promise<void> | undefined;
  private error: unknown;

  constructor(private readonly db: DataSource) {}

  save(run: PipelineRun): void {
    if (this.error) throw this.error;
    if (this.inFlight) return;
    this.inFlight = this.db
      .query(
        `UPDATE pipeline_runs SET rows_read = $2, rows_predicted = $3, rows_failed = $4, rows_total = $5, progress = $6, deployment_version = $7 WHERE id = $1 RETURNING cancel_requested`,
        [run.id, run.rowsRead, run.rowsPredicted, run.rowsFailed, run.rowsTotal, run.progress, run.deploymentVersion],
      )
      .then(
        ([[row]]: [[{ cancel_requested: boolean }]]) => {
          this.cancelRequested ||= row.cancel_requested;
        },
        (error: unknown) => {
          this.error = error;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Waits for the save in flight, so that no late one overwrites the run's final state. */
  async settle(): Promise<void> {
    await this.inFlight;
    if (this.error) throw this.error;
    if (this.cancelRequested) throw new RunCancelled('cancelled by a user');
  }
}

/** Second names for result files (hard links; copies where links are not possible). */
async function linkForMonitoring(workDir: string, kinds: RunFileKind[]): Promise<Partial<Record<RunFileKind, string>>> {
  const names: Partial<Record<RunFileKind, string>> = {};
  for (const kind of kinds) {
    const source = path.join(workDir, `${kind}.csv`);
    const target = path.join(workDir, `${kind}.monitoring.csv`);
    await link(source, target).catch(() => copyFile(source, target));
    names[kind] = target;
  }
  return names;
}
