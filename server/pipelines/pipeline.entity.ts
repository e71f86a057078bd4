import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Deployment } from '../deployments/deployment.entity';
import { Dataset } from '../experiments/dataset.entity';
import { Project } from '../projects/project.entity';

export enum PipelineSourceKind {
  dataset = 'dataset',
  sql = 'sql',
}
registerEnumType(PipelineSourceKind, {
  name: 'PipelineSourceKind',
  description: "Where a pipeline's rows come from",
  valuesConfig: { dataset: { description: 'An uploaded CSV, streamed' }, sql: { description: 'A SELECT on a connector, run read-only with a cursor' } },
});

/** Batch predictions of a deployment on a schedule: a source, the two result files, and optionally a table. */
@Entity('pipelines')
@ObjectType({ description: 'Batch predictions of a deployment, on a cron schedule or on demand' })
export class Pipeline {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pipelines_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Index('pipelines_project_id_idx')
  @Column('uuid', { name: 'project_id' })
  @Field(() => ID, { description: 'The project it belongs to' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'pipelines_project_id_fkey' })
  project: Project;

  /** Null once the deployment is deleted: the pipeline and its runs' files stay, new runs fail saying why. */
  @Index('pipelines_deployment_id_idx')
  @Column('uuid', { name: 'deployment_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The deployment that predicts; null once that deployment is deleted (new runs then fail)' })
  deploymentId: string | null;

  @ManyToOne(() => Deployment, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'deployment_id', foreignKeyConstraintName: 'pipelines_deployment_id_fkey' })
  deployment: Deployment | null;

  @Column('text')
  @Field(() => String, { description: 'Its name' })
  name: string;

  @Column('enum', { enum: PipelineSourceKind, enumName: 'pipeline_source_kind', name: 'source_kind' })
  @Field(() => PipelineSourceKind, { description: 'Where its rows come from' })
  sourceKind: PipelineSourceKind;

  @Column('uuid', { name: 'source_dataset_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The uploaded CSV (dataset sources)' })
  sourceDatasetId: string | null;

  @ManyToOne(() => Dataset, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_dataset_id', foreignKeyConstraintName: 'pipelines_source_dataset_id_fkey' })
  sourceDataset: Dataset | null;

  @Column('uuid', { name: 'source_connector_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The connector read from (sql sources)' })
  sourceConnectorId: string | null;

  @Column('text', { name: 'source_sql', nullable: true })
  @Field(() => String, { nullable: true, description: 'The SELECT run read-only (sql sources)' })
  sourceSql: string | null;

  @Column('uuid', { name: 'destination_connector_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The connector predictions are delivered to; null: files only' })
  destinationConnectorId: string | null;

  @Column('text', { name: 'destination_table', nullable: true })
  @Field(() => String, { nullable: true, description: 'The table predictions are appended to; null: files only' })
  destinationTable: string | null;

  /** Cron expression (5 fields); null: manual runs only. */
  @Column('text', { name: 'schedule_cron', nullable: true })
  @Field(() => String, { nullable: true, description: 'Cron expression (5 fields); null: manual runs only' })
  scheduleCron: string | null;

  @Column('text', { name: 'schedule_timezone', default: 'UTC' })
  @Field(() => String, { description: 'IANA time zone the schedule is read in' })
  scheduleTimezone: string;

  @Column('boolean', { default: true })
  @Field(() => Boolean, { description: 'A paused pipeline keeps its schedule but does not run on it' })
  enabled: boolean;

  @Column('integer', { name: 'retry_attempts', default: 0 })
  @Field(() => Int, { description: 'Extra attempts after a failed run' })
  retryAttempts: number;

  @Column('integer', { name: 'retry_backoff_ms', default: 60_000 })
  @Field(() => Int, { description: 'Wait before each retry, in milliseconds' })
  retryBackoffMs: number;

  @Column('double precision', { name: 'max_error_ratio', default: 0.1 })
  @Field(() => Float, { description: 'The run fails when more than this share of rows is invalid' })
  maxErrorRatio: number;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
