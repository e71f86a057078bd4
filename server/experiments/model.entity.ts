import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ExperimentVersion, VersionStatus } from './experiment-version.entity';
import type { Metrics, PredictionDistribution } from '../ml/types';
import type { ModelContract } from '../ml/runtimes/contract';

/** The same statuses as a version (GraphQL: TrainingStatus). */
export const ModelStatus = VersionStatus;
export type ModelStatus = VersionStatus;

export enum ModelFormat {
  layers = 'layers',
  graph = 'graph',
  onnx = 'onnx',
}
registerEnumType(ModelFormat, {
  name: 'ModelFormat',
  description: 'TF.js layers or graph model (TF.js runtime), or an ONNX model (ONNX Runtime)',
  valuesConfig: {
    layers: { description: 'A TF.js layers model (tf.loadLayersModel); what Berth trains' },
    graph: { description: 'A TF.js graph model (tf.loadGraphModel), imported' },
    onnx: { description: 'An ONNX model, imported, served by ONNX Runtime' },
  },
});

/** One file of a model (model.json or a weight shard, or the one .onnx file), stored in the artifact store. */
export interface ModelFile {
  name: string;
  sha256: string;
  size: number;
}

@ObjectType({ description: 'Holdout metrics; the fields of the experiment task are set' })
export class ModelMetrics {
  @Field(() => Float, { nullable: true, description: 'Root mean squared error, in target units (regression)' }) rmse?: number;
  @Field(() => Float, { nullable: true, description: 'Mean absolute error, in target units (regression)' }) mae?: number;
  @Field(() => Float, { nullable: true, description: 'Coefficient of determination, 1 is perfect (regression)' }) r2?: number;
  @Field(() => Float, { nullable: true, description: 'Share of correct labels, 0 to 1 (classification)' }) accuracy?: number;
  @Field(() => Float, { nullable: true, description: 'Cross-entropy of the predicted probabilities, lower is better (classification)' }) logLoss?: number;
  @Field(() => Float, { nullable: true, description: 'F1 averaged over the classes, 0 to 1 (classification)' }) macroF1?: number;
  @Field(() => Float, { nullable: true, description: 'Area under the ROC curve, 0 to 1 (binary)' }) rocAuc?: number;
}

@Entity('models')
@ObjectType({ description: 'A model of an experiment version (TF.js or ONNX)' })
export class Model {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'models_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Index('models_version_id_idx')
  @Column('uuid', { name: 'version_id' })
  @Field(() => ID, { description: 'The experiment version it belongs to' })
  versionId: string;

  @ManyToOne(() => ExperimentVersion, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'version_id', foreignKeyConstraintName: 'models_version_id_fkey' })
  version: ExperimentVersion;

  @Column('text')
  @Field(() => String, { description: 'Candidate name, unique in its version' })
  name: string;

  @Column('text')
  @Field(() => String, { description: 'How it was made, e.g. logistic, mlp-16, imported' })
  algorithm: string;

  @Column('enum', { enum: ModelFormat, enumName: 'model_format', default: ModelFormat.layers })
  @Field(() => ModelFormat, { description: 'Which runtime loads it' })
  format: ModelFormat;

  @Column('enum', { enum: ModelStatus, enumName: 'model_status' })
  @Field(() => ModelStatus, { description: 'Training until its training ends, then ready or failed' })
  status: ModelStatus;

  @Column('text', { name: 'failure_reason', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why training or import failed; null unless status is failed' })
  failureReason: string | null;

  /** Empty for a failed model. */
  @Column('jsonb')
  files: ModelFile[];

  /** How rows become the model's inputs and what its output means; null: Berth's own encoding and decoding. */
  @Column('jsonb', { nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Input and output contract (see README "Bring your own model"); null: Berth\'s own encoding' })
  contract: ModelContract | null;

  @Column('integer', { name: 'input_width', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Width of the encoded input vector; null while training' })
  inputWidth: number | null;

  @Column('integer', { name: 'output_width', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Width of the model output (1 for regression and binary, the class count for multiclass); null while training' })
  outputWidth: number | null;

  @Column('jsonb', { nullable: true })
  @Field(() => ModelMetrics, { nullable: true, description: 'Holdout metrics; null while training or for a failed model' })
  metrics: Metrics | null;

  @Column('jsonb', { name: 'holdout_distribution', nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Distribution of its predictions on the holdout split' })
  holdoutDistribution: PredictionDistribution | null;

  @Column('boolean', { name: 'is_best', default: false })
  @Field(() => Boolean, { description: 'The best candidate of its version on the holdout split' })
  isBest: boolean;

  @Column('integer', { name: 'training_ms', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Training time in milliseconds; null while training and for imported models' })
  trainingMs: number | null;

  @Column('bigint', { name: 'size_bytes', default: 0, transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  @Field(() => Int, { description: 'Total size of its files in bytes' })
  sizeBytes: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
