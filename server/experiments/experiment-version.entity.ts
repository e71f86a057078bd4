import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Dataset } from './dataset.entity';
import { Experiment } from './experiment.entity';
import { FeatureSchemaItem } from './feature-schema.type';
import type { FeatureSchema, PreprocessingSpec, ReferenceProfile } from '../ml/types';

export { FeatureSchemaItem } from './feature-schema.type';

export enum VersionStatus {
  training = 'training',
  ready = 'ready',
  failed = 'failed',
}
// A version and its models train (or import) together and share these three statuses: one
// GraphQL enum, TrainingStatus, which ModelStatus (model.entity.ts) reuses.
registerEnumType(VersionStatus, {
  name: 'TrainingStatus',
  description: 'Where training (or importing) a version or a model stands',
  valuesConfig: {
    training: { description: 'Being trained or imported' },
    ready: { description: 'Trained: usable by deployments' },
    failed: { description: 'Training or import failed; failureReason says why' },
  },
});

@Entity('experiment_versions')
@Index('experiment_versions_experiment_id_number_key', ['experimentId', 'number'], { unique: true })
@ObjectType({ description: 'A numbered version of an experiment: its features, preprocessing and training-data profile, and its models' })
export class ExperimentVersion {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'experiment_versions_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Column('uuid', { name: 'experiment_id' })
  @Field(() => ID, { description: 'The experiment it belongs to' })
  experimentId: string;

  @ManyToOne(() => Experiment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'experiment_id', foreignKeyConstraintName: 'experiment_versions_experiment_id_fkey' })
  experiment: Experiment;

  @Column('integer')
  @Field(() => Int, { description: '1, 2, … in order of creation within the experiment' })
  number: number;

  @Column('text', { default: '' })
  @Field(() => String, { description: 'Free text; empty when none' })
  description: string;

  @Column('enum', { enum: VersionStatus, enumName: 'version_status' })
  @Field(() => VersionStatus, { description: 'Training until every candidate model is trained or failed' })
  status: VersionStatus;

  @Column('text', { name: 'failure_reason', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the version failed; null unless status is failed' })
  failureReason: string | null;

  @Column('uuid', { name: 'dataset_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The training or reference data' })
  datasetId: string | null;

  @ManyToOne(() => Dataset, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'dataset_id', foreignKeyConstraintName: 'experiment_versions_dataset_id_fkey' })
  dataset: Dataset | null;

  @Column('jsonb', { name: 'feature_schema' })
  @Field(() => [FeatureSchemaItem], { description: 'The input features, in the order rows are encoded' })
  featureSchema: FeatureSchema[];

  /** Fitted when training starts (or given with an import); null while not yet known. */
  @Column('jsonb', { nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'How a JSON row becomes the model input' })
  preprocessing: PreprocessingSpec | null;

  @Column('jsonb', { nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The training data profile that drift is measured against' })
  profile: ReferenceProfile | null;

  @Column('jsonb', { nullable: true })
  @Field(() => [String], { nullable: true, description: 'Class labels (classification)' })
  labels: string[] | null;

  /** A real row of the training data (features only, none missing): API examples, form defaults, probes. */
  @Column('jsonb', { nullable: true })
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'A real training row, features only' })
  example: Record<string, unknown> | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
