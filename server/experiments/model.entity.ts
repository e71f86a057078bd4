import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ExperimentVersion } from './experiment-version.entity';
import type { Metrics, PredictionDistribution } from '../ml/types';
import type { ModelContract } from '../ml/runtimes/contract';

export enum ModelStatus {
  training = 'training',
  ready = 'ready',
  failed = 'failed',
}
registerEnumType(ModelStatus, { name: 'ModelStatus' });

export enum ModelFormat {
  layers = 'layers',
  graph = 'graph',
  onnx = 'onnx',
}
registerEnumType(ModelFormat, { name: 'ModelFormat', description: 'TF.js layers or graph model (TF.js runtime), or an ONNX model (ONNX Runtime)' });

/** One file of a model (model.json or a weight shard, or the one .onnx file), stored in the artifact store. */
export interface ModelFile {
  name: string;
  sha256: string;
  size: number;
}

@ObjectType({ description: 'Holdout metrics; the fields of the experiment task are set' })
export class ModelMetrics {
  @Field(() => Float, { nullable: true }) rmse?: number;
  @Field(() => Float, { nullable: true }) mae?: number;
  @Field(() => Float, { nullable: true }) r2?: number;
  @Field(() => Float, { nullable: true }) accuracy?: number;
  @Field(() => Float, { nullable: true }) logLoss?: number;
  @Field(() => Float, { nullable: true }) macroF1?: number;
  @Field(() => Float, { nullable: true }) rocAuc?: number;
}

@Entity('models')
@ObjectType({ description: 'A model of an experiment version (TF.js or ONNX)' })
export class Model {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'models_pkey' })
  @Field(() => ID)
  id: string;

  @Index('models_version_id_idx')
  @Column('uuid', { name: 'version_id' })
  @Field(() => ID)
  versionId: string;

  @ManyToOne(() => ExperimentVersion, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'version_id', foreignKeyConstraintName: 'models_version_id_fkey' })
  version: ExperimentVersion;

  @Column('text')
  @Field(() => String)
  name: string;

  @Column('text')
  @Field(() => String, { description: 'e.g. logistic, mlp-16, imported' })
  algorithm: string;

  @Column('enum', { enum: ModelFormat, enumName: 'model_format', default: ModelFormat.layers })
  @Field(() => ModelFormat)
  format: ModelFormat;

  @Column('enum', { enum: ModelStatus, enumName: 'model_status' })
  @Field(() => ModelStatus)
  status: ModelStatus;

  @Column('text', { name: 'failure_reason', nullable: true })
  @Field(() => String, { nullable: true })
  failureReason: string | null;

  /** Empty for a failed model. */
  @Column('jsonb')
  files: ModelFile[];

  /** How rows become the model's inputs and what its output means; null: Berth's own encoding and decoding. */
  @Column('jsonb', { nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Input and output contract (see README "Bring your own model"); null: Berth\'s own encoding' })
  contract: ModelContract | null;

  @Column('integer', { name: 'input_width', nullable: true })
  @Field(() => Int, { nullable: true })
  inputWidth: number | null;

  @Column('integer', { name: 'output_width', nullable: true })
  @Field(() => Int, { nullable: true })
  outputWidth: number | null;

  @Column('jsonb', { nullable: true })
  @Field(() => ModelMetrics, { nullable: true })
  metrics: Metrics | null;

  @Column('jsonb', { name: 'holdout_distribution', nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Distribution of its predictions on the holdout split' })
  holdoutDistribution: PredictionDistribution | null;

  @Column('boolean', { name: 'is_best', default: false })
  @Field(() => Boolean, { description: 'The best candidate of its version on the holdout split' })
  isBest: boolean;

  @Column('integer', { name: 'training_ms', nullable: true })
  @Field(() => Int, { nullable: true })
  trainingMs: number | null;

  @Column('bigint', { name: 'size_bytes', default: 0, transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  @Field(() => Int)
  sizeBytes: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date)
  createdAt: Date;
}
