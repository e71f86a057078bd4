import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Pipeline } from './pipeline.entity';

export enum RunStatus {
  queued = 'queued',
  running = 'running',
  succeeded = 'succeeded',
  failed = 'failed',
  cancelled = 'cancelled',
}
registerEnumType(RunStatus, {
  name: 'PipelineRunStatus',
  description: 'Where a pipeline run stands',
  valuesConfig: {
    queued: { description: 'Waiting for a worker' },
    running: { description: 'Reading, predicting and writing' },
    succeeded: { description: 'Done; its files are ready' },
    failed: { description: 'Stopped; error says why (a retry may follow)' },
    cancelled: { description: 'Stopped by cancelPipelineRun' },
  },
});

export enum RunTrigger {
  schedule = 'schedule',
  manual = 'manual',
}
registerEnumType(RunTrigger, {
  name: 'PipelineRunTrigger',
  description: 'What started a pipeline run',
  valuesConfig: {
    schedule: { description: "The pipeline's cron schedule" },
    manual: { description: 'runPipelineNow' },
  },
});

/** One stored result file of a run. */
export interface RunFile {
  sha256: string;
  size: number;
}

export type RunFileKind = 'main' | 'challenger' | 'errors';
/** The GraphQL enum of `RunFileKind`. */
export const RunFileKindEnum = { main: 'main', challenger: 'challenger', errors: 'errors' } as const satisfies Record<RunFileKind, RunFileKind>;
registerEnumType(RunFileKindEnum, {
  name: 'PipelineRunFileKind',
  description: 'A result file of a pipeline run, downloaded at /api/v1/pipeline-runs/{id}/files/{kind}',
  valuesConfig: {
    main: { description: "The main model's predictions, one line per input row (CSV)" },
    challenger: { description: "The challenger's predictions, when the version has one (CSV)" },
    errors: { description: 'One line per invalid value: row, field and message (CSV); only when rows failed' },
  },
});

@Entity('pipeline_runs')
@ObjectType({ description: 'One execution of a pipeline' })
export class PipelineRun {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pipeline_runs_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Index('pipeline_runs_pipeline_id_created_at_idx', ['pipelineId', 'createdAt'])
  @Column('uuid', { name: 'pipeline_id' })
  @Field(() => ID, { description: 'The pipeline it belongs to' })
  pipelineId: string;

  @ManyToOne(() => Pipeline, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pipeline_id', foreignKeyConstraintName: 'pipeline_runs_pipeline_id_fkey' })
  pipeline: Pipeline;

  @Column('enum', { enum: RunStatus, enumName: 'pipeline_run_status' })
  @Field(() => RunStatus, { description: 'Where the run stands' })
  status: RunStatus;

  @Column('enum', { enum: RunTrigger, enumName: 'pipeline_run_trigger' })
  @Field(() => RunTrigger, { description: 'What started it' })
  trigger: RunTrigger;

  @Column('uuid', { name: 'triggered_by', nullable: true })
  triggeredBy: string | null;

  @Column('integer', { name: 'deployment_version', nullable: true })
  @Field(() => Int, { nullable: true, description: 'The deployment version whose models predicted' })
  deploymentVersion: number | null;

  @Column('integer', { default: 1 })
  @Field(() => Int, { description: '1 for the first attempt, then 2, … for retries and for restarts after a worker stopped mid-run' })
  attempt: number;

  @Column('integer', { name: 'rows_read', default: 0 })
  @Field(() => Int, { description: 'Rows read from the source so far' })
  rowsRead: number;

  @Column('integer', { name: 'rows_predicted', default: 0 })
  @Field(() => Int, { description: 'Rows predicted so far' })
  rowsPredicted: number;

  @Column('integer', { name: 'rows_failed', default: 0 })
  @Field(() => Int, { description: 'Rows that failed validation: listed in the errors file' })
  rowsFailed: number;

  @Column('integer', { name: 'rows_total', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Known in advance for a dataset source' })
  rowsTotal: number | null;

  @Column('double precision', { nullable: true })
  @Field(() => Float, { nullable: true, description: '0 to 1, when the total is known' })
  progress: number | null;

  @Column('text', { nullable: true })
  @Field(() => String, { nullable: true, description: 'What failed and where' })
  error: string | null;

  /** Set by cancelPipelineRun; the run stops at its next chunk. */
  @Column('boolean', { name: 'cancel_requested', default: false })
  cancelRequested: boolean;

  @Column('jsonb')
  files: Partial<Record<RunFileKind, RunFile>>;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When a worker started it; null while queued' })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it ended; null while queued or running' })
  finishedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was queued' })
  createdAt: Date;
}
