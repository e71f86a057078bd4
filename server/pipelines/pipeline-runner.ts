import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { In, type DataSource } from 'typeorm';
import type { Deployment } from '../deployments/deployment.entity';
import type { DeploymentService } from '../deployments/deployment.service';
import type { DatasetService } from '../experiments/dataset.service';
import type { ExperimentService } from '../experiments/experiment.service';
import type { Prediction, PreprocessingSpec } from '../ml/types';
import type { Binning, PredictionLog } from '../monitoring/log/prediction-log';
import type { ArtifactStore, StoredArtifact } from '../platform/artifacts/artifact-store';
import { topicFor, type EventBus } from '../platform/event-bus';
import type { Logger } from '../platform/logger';
import { codecFor, runtimeFor, type ModelBatch, type ModelCodec, type ModelRuntime } from '../ml/runtimes';
import { modelFiles } from '../serving/deployment-registry';
import { csvCell } from '../platform/csv';
import { CsvFileWriter, probabilityCell } from './csv-writer';
import { PipelineRun, RunStatus, type RunFile, type RunFileKind } from './pipeline-run.entity';
import { Pipeline } from './pipeline.entity';
import type { ConnectorAccess } from './connector-access';
import { TableDestination } from './destinations/table';
import { sourceFor, type PipelineSource } from './sources';

export type { ConnectorAccess } from './connector-access';
export const PIPELINE_RUN_UPDATED = 'PIPELINE_RUN_UPDATED';
/** Rows read, validated and predicted together. */
const CHUNK_ROWS = 1000;

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
    const claimed = await this.claim(runId);
    if (!claimed) return 'done';
    const { run, pipeline } = claimed;
    const workDir = path.join(this.deps.dataDir, 'tmp', `run-${run.id}`);
    const loaded: LoadedModel[] = [];
    let destination: TableDestination | undefined;
    const progress = new ProgressWriter(this.deps.db);
    try {
      const { deployment, version, main, challenger } = await this.prepare(run, pipeline, loaded);
      const source = await sourceFor(pipeline, this.deps);
      await this.checkSource(source, main.spec);
      run.rowsTotal = await source.total();
      await mkdir(workDir, { recursive: true });
      const writers = resultWriters(workDir, main.spec, challenger !== null);
      if (pipeline.destinationConnectorId && pipeline.destinationTable) {
        destination = await TableDestination.open(this.deps.connectors, pipeline.destinationConnectorId, pipeline.destinationTable, main.spec, run.id);
      }
      await this.runChunks(run, source, { main, challenger, writers, destination, progress, touch });
      await progress.settle();
      if (run.rowsRead === 0) throw new RunFailure('the source returned no rows');
      if (run.rowsFailed / run.rowsRead > pipeline.maxErrorRatio) {
        throw new RunFailure(`${run.rowsFailed} of ${run.rowsRead} rows failed validation, more than the ${pipeline.maxErrorRatio * 100} % the pipeline accepts; see the errors file`);
      }
      await this.finish(run, workDir, writers, destination);
      destination = undefined;
      this.recordInMonitoring(run, workDir, { deploymentId: deployment.id, deploymentVersion: version.number, main, challenger });
      return 'done';
    } catch (error) {
      await progress.settle().catch(() => undefined);
      await destination?.rollback().catch((e) => this.deps.logger.warn({ err: e }, 'could not roll the destination back'));
      return this.fail(run, pipeline, workDir, error);
    } finally {
      for (const model of loaded) model.runtime.unload();
      await rm(workDir, { recursive: true, force: true });
    }
  }

  /** The deployment's features a pipeline's source cannot feed ([] when it feeds them all, or before the deployment has a version). */
  async missingFeatures(pipeline: Parameters<typeof sourceFor>[0], deployment: Deployment): Promise<string[]> {
    const features = await this.deps.deployments.features(deployment);
    return features ? (await sourceFor(pipeline, this.deps)).missingFeatures(features) : [];
  }

  /** Marks the run running, or returns null when it is no longer to run (finished, or a cancel came in since it was read). */
  private async claim(runId: string): Promise<{ run: PipelineRun; pipeline: Pipeline } | null> {
    const runs = this.deps.db.getRepository(PipelineRun);
    const run = await runs.findOneBy({ id: runId });
    if (!run || [RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled].includes(run.status)) return null;
    const pipeline = await this.deps.db.getRepository(Pipeline).findOneByOrFail({ id: run.pipelineId });
    // A run found 'running' was left by a worker that died: it starts over as a new attempt.
    const attempt = run.status === RunStatus.running ? run.attempt + 1 : run.attempt;
    const start = { status: RunStatus.running, attempt, startedAt: new Date(), finishedAt: null, error: null, rowsRead: 0, rowsPredicted: 0, rowsFailed: 0, progress: null, files: {} };
    // Only a run still queued (or left running) is claimed: a cancel that came in since it was read wins.
    const claimed = await runs.update({ id: run.id, status: In([RunStatus.queued, RunStatus.running]) }, start);
    if (!claimed.affected) return null;
    Object.assign(run, start);
    await this.announce(run);
    return { run, pipeline };
  }

  /** The deployment's current version and its models, loaded (and listed in `loaded` for the caller to unload). */
  private async prepare(run: PipelineRun, pipeline: Pipeline, loaded: LoadedModel[]) {
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
    return { deployment, version, main, challenger };
  }

  /** A source that lacks a feature column would fail every row: the run says so before reading any. */
  private async checkSource(source: PipelineSource, spec: PreprocessingSpec): Promise<void> {
    const missing = await source.missingFeatures(spec.features.map((f) => f.name));
    if (missing.length > 0) throw new RunFailure(`the source has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the model needs`);
  }

  /** Reads, validates and predicts the source chunk by chunk, writing each chunk's results before the next is read. */
  private async runChunks(run: PipelineRun, source: PipelineSource, to: { main: LoadedModel; challenger: LoadedModel | null; writers: ResultWriters; destination?: TableDestination; progress: ProgressWriter; touch: () => Promise<void> }): Promise<void> {
    const { main, challenger, writers, destination, progress } = to;
    const features = main.spec.features.map((f) => f.name);
    const labels = labelsOf(main.spec);
    let lastHeartbeat = Date.now();
    for await (const chunk of source.read(CHUNK_ROWS)) {
      // A source that knows its columns only once read (SQL): a missing column fails the run, not each row.
      if (run.rowsRead === 0 && chunk.length > 0) {
        const missing = features.filter((feature) => !(feature in chunk[0]!));
        if (missing.length > 0) throw new RunFailure(`the source has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the model needs`);
      }
      const firstRow = run.rowsRead + 1;
      run.rowsRead += chunk.length;

      // A source's other columns (ids, the target, another version's features) are not errors.
      const encoded = main.codec.encode(chunk, { mode: 'strict', firstRowNumber: firstRow, unknownFields: 'ignore' });
      const rejected = new Set(encoded.rejected);
      for (const issue of encoded.issues) await writers.errors.write([issue.row, issue.field, issue.message]);
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
        await this.writeRows(writers.main, inputCells, labels, mainPredictions);
        let challengerPredictions: Prediction[] | null = null;
        if (challenger) {
          const forChallenger = challenger.codec.encode(valid, { mode: 'best_effort', unknownFields: 'ignore' });
          challengerPredictions = await this.predict(challenger, forChallenger.batch);
          await this.writeRows(writers.challenger!, inputCells, labels, challengerPredictions);
        }
        await destination?.write(valid, [{ role: 'main', predictions: mainPredictions }, ...(challengerPredictions ? [{ role: 'challenger' as const, predictions: challengerPredictions }] : [])]);
        run.rowsPredicted += valid.length;
      }
      run.progress = run.rowsTotal ? run.rowsRead / run.rowsTotal : null;
      progress.save(run);
      if (progress.cancelRequested) throw new RunCancelled('cancelled by a user');
      // Progress events and the job lock's renewal at most once a second, not per chunk.
      if (Date.now() - lastHeartbeat >= 1000) {
        lastHeartbeat = Date.now();
        await this.announce(run);
        await to.touch();
      }
    }
  }

  /** Stores the result files, commits the destination, and marks the run succeeded. */
  private async finish(run: PipelineRun, workDir: string, writers: ResultWriters, destination: TableDestination | undefined): Promise<void> {
    const digests: Partial<Record<RunFileKind, StoredArtifact>> = {};
    for (const [kind, writer] of Object.entries(writers) as Array<[RunFileKind, CsvFileWriter]>) digests[kind] = await writer.close();
    // Monitoring's names for the result files, before the store moves them: hard links, nothing is copied.
    if (run.rowsPredicted > 0) await linkForMonitoring(workDir, writers.challenger ? ['main', 'challenger'] : ['main']);
    // An errors file only when some rows failed validation.
    run.files = {};
    for (const kind of Object.keys(digests) as RunFileKind[]) {
      if (kind !== 'errors' || run.rowsFailed > 0) run.files[kind] = await this.deps.artifacts.adopt(path.join(workDir, `${kind}.csv`), digests[kind]!);
    }
    if (destination) await destination.commit();
    Object.assign(run, { status: RunStatus.succeeded, finishedAt: new Date(), progress: 1 });
    await this.deps.db.getRepository(PipelineRun).save(run);
    await this.announce(run);
  }

  /** Records the failure (or cancellation) and says whether the job should run the run again. */
  private async fail(run: PipelineRun, pipeline: Pipeline, workDir: string, error: unknown): Promise<'done' | 'retry'> {
    const cancelled = error instanceof RunCancelled;
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof RunFailure) && !cancelled) this.deps.logger.error({ err: error, runId: run.id }, 'pipeline run failed');
    // The errors file explains a validation failure: keep it even when the run fails.
    const files = run.rowsFailed > 0 ? await this.store(workDir, ['errors']).catch(() => ({})) : {};
    const retry = !cancelled && run.attempt <= pipeline.retryAttempts;
    Object.assign(run, {
      status: cancelled ? RunStatus.cancelled : retry ? RunStatus.queued : RunStatus.failed,
      finishedAt: retry ? null : new Date(),
      error: retry ? `attempt ${run.attempt} failed: ${message}; retrying` : message,
      attempt: retry ? run.attempt + 1 : run.attempt,
      files,
    });
    await this.deps.db.getRepository(PipelineRun).save(run);
    await this.announce(run);
    return retry ? 'retry' : 'done';
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

  /**
   * Hands a succeeded run's result files to monitoring, which reads the predictions back on the
   * log's thread. The run has succeeded already: a failure here is said, not fatal to it.
   */
  private recordInMonitoring(run: PipelineRun, workDir: string, of: { deploymentId: string; deploymentVersion: number; main: LoadedModel; challenger: LoadedModel | null }): void {
    if (run.rowsPredicted === 0) return;
    const { main, challenger } = of;
    const file = (kind: RunFileKind) => path.join(workDir, `${kind}.monitoring.csv`);
    try {
      this.deps.predictionLog.recordRun({
        deploymentId: of.deploymentId,
        deploymentVersion: of.deploymentVersion,
        main: { modelId: main.id, binning: main.binning, file: file('main') },
        challenger: challenger && { modelId: challenger.id, binning: challenger.binning, file: file('challenger') },
        rows: run.rowsPredicted,
        features: main.spec.features.map((f) => ({ name: f.name, numeric: f.type === 'numeric' })),
        labels: labelsOf(main.spec),
        regression: main.spec.target.task === 'regression',
        startedAt: run.startedAt!.getTime(),
        finishedAt: run.finishedAt!.getTime(),
      });
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

/** Second names for result files (hard links; copies where links are not possible): monitoring takes them over. */
async function linkForMonitoring(workDir: string, kinds: RunFileKind[]): Promise<void> {
  for (const kind of kinds) {
    const source = path.join(workDir, `${kind}.csv`);
    const target = path.join(workDir, `${kind}.monitoring.csv`);
    await link(source, target).catch(() => copyFile(source, target));
  }
}

type ResultWriters = { main: CsvFileWriter; errors: CsvFileWriter; challenger?: CsvFileWriter };

const labelsOf = (spec: PreprocessingSpec) => (spec.target.task === 'regression' ? [] : spec.target.labels);

/** The main, errors and (with a challenger) challenger files of a run, in its work folder. */
function resultWriters(workDir: string, spec: PreprocessingSpec, withChallenger: boolean): ResultWriters {
  const header = [...spec.features.map((f) => f.name), 'prediction', ...labelsOf(spec).map((l) => `probability_${l}`)];
  return {
    main: new CsvFileWriter(path.join(workDir, 'main.csv'), header),
    errors: new CsvFileWriter(path.join(workDir, 'errors.csv'), ['row', 'field', 'message']),
    ...(withChallenger ? { challenger: new CsvFileWriter(path.join(workDir, 'challenger.csv'), header) } : {}),
  };
}
