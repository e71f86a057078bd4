import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { DeploymentService } from '../deployments/deployment.service';
import type { DatasetService } from '../experiments/dataset.service';
import type { ArtifactStore } from '../platform/artifacts/artifact-store';
import { badInput, conflict, DomainError, notFound } from '../platform/errors';
import { checkSelectStatement } from '../connectors/sql-source';
import { parseTableName } from '../connectors/table-destination';
import type { JobRunner } from '../platform/jobs';
import { PipelineRun, RunStatus, RunTrigger, type RunFileKind } from './pipeline-run.entity';
import { Pipeline, PipelineSourceKind } from './pipeline.entity';
import { PIPELINE_RUN_UPDATED, type PipelineRunner } from './pipeline-runner';
import { topicFor, type EventBus } from '../platform/event-bus';

export const RUN_JOB = 'pipelines.run';
export const SCHEDULE_JOB = 'pipelines.schedule';
/** A run job's lock: it touches the lock every chunk, so only a dead worker's run is taken over. */
const RUN_LOCK_MS = 2 * 60 * 1000;

export interface PipelineInput {
  deploymentId: string;
  name: string;
  sourceKind: PipelineSourceKind;
  sourceDatasetId?: string | null;
  sourceConnectorId?: string | null;
  sourceSql?: string | null;
  destinationConnectorId?: string | null;
  destinationTable?: string | null;
  scheduleCron?: string | null;
  scheduleTimezone?: string | null;
  retryAttempts?: number | null;
  retryBackoffMs?: number | null;
  maxErrorRatio?: number | null;
}

/** Connectors as pipelines see them: does one exist in this project. */
export type ConnectorLookup = (connectorId: string, projectId: string) => Promise<boolean>;

export class PipelineService {
  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
    private readonly jobs: JobRunner,
    private readonly artifacts: ArtifactStore,
    private readonly datasets: DatasetService,
    private readonly deployments: DeploymentService,
    private readonly connectorExists: ConnectorLookup,
    private readonly runner: PipelineRunner,
  ) {
    jobs.define<{ runId: string }>(
      RUN_JOB,
      async (job) => {
        const outcome = await runner.execute(job.attrs.data.runId, () => job.touch());
        if (outcome === 'retry') await this.enqueueRetry(job.attrs.data.runId);
      },
      { lockLifetime: RUN_LOCK_MS, concurrency: 2 },
    );
    jobs.define<{ pipelineId: string }>(SCHEDULE_JOB, async (job) => {
      const pipeline = await this.db.getRepository(Pipeline).findOneBy({ id: job.attrs.data.pipelineId });
      if (pipeline?.enabled) await this.startRun(pipeline, RunTrigger.schedule, null);
    });
  }

  list(deploymentId: string): Promise<Pipeline[]> {
    return this.db.getRepository(Pipeline).find({ where: { deploymentId }, order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Pipeline> {
    const pipeline = await this.db.getRepository(Pipeline).findOneBy({ id });
    if (!pipeline) throw notFound('Pipeline', id);
    return pipeline;
  }

  async run(id: string): Promise<PipelineRun> {
    const run = await this.db.getRepository(PipelineRun).findOneBy({ id });
    if (!run) throw notFound('Pipeline run', id);
    return run;
  }

  runs(pipelineId: string, limit: number, offset: number): Promise<PipelineRun[]> {
    return this.db.getRepository(PipelineRun).find({ where: { pipelineId }, order: { createdAt: 'DESC' }, take: Math.min(limit, 100), skip: offset });
  }

  usesConnector(connectorId: string): Promise<boolean> {
    return this.db
      .getRepository(Pipeline)
      .createQueryBuilder('p')
      .where('p.source_connector_id = :id OR p.destination_connector_id = :id', { id: connectorId })
      .getExists();
  }

  async create(userId: string, input: PipelineInput): Promise<Pipeline> {
    const deployment = await this.deployments.get(input.deploymentId);
    const name = input.name.trim();
    if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    if (input.sourceKind === PipelineSourceKind.dataset) {
      if (!input.sourceDatasetId) throw badInput('sourceDatasetId', 'choose the uploaded CSV to predict');
      const dataset = await this.datasets.get(input.sourceDatasetId, deployment.projectId);
      // Every row of a file without a feature's column would fail: say so now, not after a run.
      const missing = await this.runner.missingFeatures(input, deployment);
      if (missing.length > 0) {
        throw badInput('sourceDatasetId', `${dataset.fileName} has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the model of ${deployment.slug} needs`);
      }
    } else {
      if (!input.sourceConnectorId) throw badInput('sourceConnectorId', 'choose the connector to read from');
      if (!(await this.connectorExists(input.sourceConnectorId, deployment.projectId))) throw badInput('sourceConnectorId', 'no such connector in this project');
      asField('sourceSql', () => checkSelectStatement(input.sourceSql ?? ''));
    }
    if (input.destinationConnectorId || input.destinationTable) {
      if (!input.destinationConnectorId || !input.destinationTable) throw badInput('destinationTable', 'give both a destination connector and a table, or neither');
      if (!(await this.connectorExists(input.destinationConnectorId, deployment.projectId))) throw badInput('destinationConnectorId', 'no such connector in this project');
      asField('destinationTable', () => parseTableName(input.destinationTable!));
    }
    const schedule = validateSchedule(input.scheduleCron ?? null, input.scheduleTimezone ?? 'UTC');
    const repository = this.db.getRepository(Pipeline);
    const pipeline = await repository.save(
      repository.create({
        projectId: deployment.projectId,
        deploymentId: deployment.id,
        name,
        sourceKind: input.sourceKind,
        sourceDatasetId: input.sourceKind === PipelineSourceKind.dataset ? input.sourceDatasetId : null,
        sourceConnectorId: input.sourceKind === PipelineSourceKind.sql ? input.sourceConnectorId : null,
        sourceSql: input.sourceKind === PipelineSourceKind.sql ? input.sourceSql!.trim() : null,
        destinationConnectorId: input.destinationConnectorId ?? null,
        destinationTable: input.destinationTable ?? null,
        scheduleCron: schedule.cron,
        scheduleTimezone: schedule.timezone,
        retryAttempts: clamp('retryAttempts', input.retryAttempts ?? 0, 0, 10),
        retryBackoffMs: clamp('retryBackoffMs', input.retryBackoffMs ?? 60_000, 0, 86_400_000),
        maxErrorRatio: clamp('maxErrorRatio', input.maxErrorRatio ?? 0.1, 0, 1),
        createdBy: userId,
      }),
    );
    await this.syncSchedule(pipeline);
    return pipeline;
  }

  async updateSchedule(id: string, cron: string | null, timezone: string | null): Promise<Pipeline> {
    const pipeline = await this.get(id);
    const schedule = validateSchedule(cron, timezone ?? pipeline.scheduleTimezone);
    pipeline.scheduleCron = schedule.cron;
    pipeline.scheduleTimezone = schedule.timezone;
    await this.db.getRepository(Pipeline).save(pipeline);
    await this.syncSchedule(pipeline);
    return pipeline;
  }

  async setEnabled(id: string, enabled: boolean): Promise<Pipeline> {
    const pipeline = await this.get(id);
    pipeline.enabled = enabled;
    await this.db.getRepository(Pipeline).save(pipeline);
    await this.syncSchedule(pipeline);
    return pipeline;
  }

  async delete(id: string): Promise<void> {
    const pipeline = await this.get(id);
    const running = await this.db.getRepository(PipelineRun).existsBy({ pipelineId: id, status: RunStatus.running });
    if (running) throw conflict(`Pipeline ${pipeline.name} has a run in progress; cancel it first`);
    await this.jobs.cancel(SCHEDULE_JOB, { pipelineId: id });
    await this.db.getRepository(Pipeline).delete(id);
  }

  runNow(id: string, userId: string): Promise<PipelineRun> {
    return this.get(id).then((pipeline) => this.startRun(pipeline, RunTrigger.manual, userId));
  }

  /** Asks a queued or running run to stop; it stops at its next chunk, leaving nothing in the destination. */
  async cancel(runId: string): Promise<PipelineRun> {
    const run = await this.run(runId);
    const runs = this.db.getRepository(PipelineRun);
    // Conditional updates, not a save of what was read: a worker may start the run meanwhile.
    const cancelled = await runs.update({ id: run.id, status: RunStatus.queued }, { status: RunStatus.cancelled, finishedAt: new Date(), error: 'cancelled by a user before it started', cancelRequested: true });
    if (!cancelled.affected) {
      const requested = await runs.update({ id: run.id, status: RunStatus.running }, { cancelRequested: true });
      if (!requested.affected) throw conflict(`The run is already ${(await this.run(runId)).status}`);
    }
    await this.bus.publish(topicFor(PIPELINE_RUN_UPDATED, run.pipelineId), { runId: run.id, pipelineId: run.pipelineId });
    return this.run(runId);
  }

  /** The next run times of a schedule, in its time zone. */
  nextRuns(pipeline: Pipeline, count: number): Date[] {
    if (!pipeline.scheduleCron || !pipeline.enabled) return [];
    const expression = CronExpressionParser.parse(pipeline.scheduleCron, { tz: pipeline.scheduleTimezone });
    return Array.from({ length: count }, () => expression.next().toDate());
  }

  describeSchedule(pipeline: Pipeline): string | null {
    return pipeline.scheduleCron ? `${cronstrue.toString(pipeline.scheduleCron, { use24HourTimeFormat: true })} (${pipeline.scheduleTimezone})` : null;
  }

  /** A pre-signed URL of a run's file in object storage, when the store hands them out. */
  async fileUrl(run: PipelineRun, kind: RunFileKind, fileName: string): Promise<string | undefined> {
    const file = run.files[kind];
    if (!file) throw notFound(`The ${kind} file of run`, run.id);
    return this.artifacts.downloadUrl(file.sha256, { fileName, contentType: 'text/csv; charset=utf-8' });
  }

  /** The stored file of a run, as a stream (hash checked at the end). */
  async file(run: PipelineRun, kind: RunFileKind): Promise<{ stream: Readable; size: number }> {
    const file = run.files[kind];
    if (!file) throw notFound(`The ${kind} file of run`, run.id);
    return { stream: this.artifacts.open(file.sha256), size: file.size };
  }

  private async startRun(pipeline: Pipeline, trigger: RunTrigger, userId: string | null): Promise<PipelineRun> {
    const repository = this.db.getRepository(PipelineRun);
    const run = await repository.save(repository.create({ pipelineId: pipeline.id, status: RunStatus.queued, trigger, triggeredBy: userId, files: {} }));
    await this.jobs.now(RUN_JOB, { runId: run.id });
    return run;
  }

  private async enqueueRetry(runId: string): Promise<void> {
    const run = await this.run(runId);
    const pipeline = await this.get(run.pipelineId);
    await this.jobs.at(new Date(Date.now() + pipeline.retryBackoffMs), RUN_JOB, { runId });
  }

  /** One repeating Agenda job per enabled, scheduled pipeline; none otherwise. */
  private async syncSchedule(pipeline: Pipeline): Promise<void> {
    await this.jobs.cancel(SCHEDULE_JOB, { pipelineId: pipeline.id });
    if (!pipeline.enabled || !pipeline.scheduleCron) return;
    await this.jobs.repeat(SCHEDULE_JOB, { pipelineId: pipeline.id }, pipeline.scheduleCron, pipeline.scheduleTimezone);
  }
}

function validateSchedule(cron: string | null, timezone: string): { cron: string | null; timezone: string } {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw badInput('scheduleTimezone', `"${timezone}" is not a time zone; use an IANA name such as Europe/Paris or UTC`);
  }
  const trimmed = cron?.trim() || null;
  if (trimmed) {
    if (trimmed.split(/\s+/).length !== 5) throw badInput('scheduleCron', `"${trimmed}" must have 5 fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * 1" for Mondays at 06:00`);
    try {
      CronExpressionParser.parse(trimmed, { tz: timezone });
    } catch (error) {
      throw badInput('scheduleCron', `"${trimmed}" does not parse: ${(error as Error).message}`);
    }
  }
  return { cron: trimmed, timezone };
}

/** Runs a check written for another field name, reporting its error under `field`. */
function asField(field: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, error.message.replace(/^\w+: /, `${field}: `), { ...error.details, field });
    throw error;
  }
}

function clamp(field: string, value: number, min: number, max: number): number {
  if (!(typeof value === 'number' && value >= min && value <= max)) throw badInput(field, `must be a number from ${min} to ${max}`);
  return value;
}
