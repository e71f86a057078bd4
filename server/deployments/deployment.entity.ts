import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Experiment } from '../experiments/experiment.entity';
import { Project } from '../projects/project.entity';
import type { DriftThresholds } from '../monitoring/drift/calibration';

export enum DeploymentAccess {
  public = 'public',
  instance = 'instance',
  project = 'project',
}
registerEnumType(DeploymentAccess, {
  name: 'DeploymentAccess',
  description: 'Who may call the prediction API',
  valuesConfig: {
    public: { description: 'Anyone, without credentials' },
    instance: { description: 'Any signed-in user or token of this instance, or an API key of the deployment' },
    project: { description: "The project's collaborators, or an API key of the deployment" },
  },
});

export enum ValidationMode {
  strict = 'strict',
  best_effort = 'best_effort',
}
registerEnumType(ValidationMode, {
  name: 'ValidationMode',
  description: "How a deployment's prediction API treats rows that do not match the features",
  valuesConfig: {
    strict: { description: 'Reject unknown fields and values of the wrong type' },
    best_effort: { description: 'Drop unknown fields, impute invalid values, and say so in the response' },
  },
});

/** A stable URL in front of one experiment's models. Never edited: it gets new versions or is deleted. */
@Entity('deployments')
@ObjectType({ description: 'A model of an experiment behind a stable URL, with an optional challenger' })
export class Deployment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'deployments_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Index('deployments_project_id_idx')
  @Column('uuid', { name: 'project_id' })
  @Field(() => ID, { description: 'The project it belongs to' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'deployments_project_id_fkey' })
  project: Project;

  @Column('uuid', { name: 'experiment_id' })
  @Field(() => ID, { description: 'The experiment whose models it may serve' })
  experimentId: string;

  @ManyToOne(() => Experiment, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'experiment_id', foreignKeyConstraintName: 'deployments_experiment_id_fkey' })
  experiment: Experiment;

  @Column('text')
  @Field(() => String, { description: 'Its name in the project' })
  name: string;

  @Index('deployments_slug_key', { unique: true })
  @Column('text')
  @Field(() => String, { description: 'URL-safe name: /api/v1/deployments/{slug}/predict and /d/{slug}' })
  slug: string;

  @Column('text', { default: '' })
  @Field(() => String, { description: 'Free text; empty when none' })
  description: string;

  @Column('enum', { enum: DeploymentAccess, enumName: 'deployment_access' })
  @Field(() => DeploymentAccess, { description: 'Who may call its prediction API' })
  access: DeploymentAccess;

  @Column('enum', { enum: ValidationMode, enumName: 'validation_mode', name: 'validation_mode', default: ValidationMode.strict })
  @Field(() => ValidationMode, { description: 'How the prediction API treats rows that do not match the features' })
  validationMode: ValidationMode;

  /** Overrides of the default drift thresholds (setDriftThresholds); a monitoring setting, not part of the deployment's contract. */
  @Column('jsonb', { name: 'drift_thresholds', nullable: true })
  driftThresholds: Partial<DriftThresholds> | null;

  /** The version requests are served by; null only while the first one is being created. */
  @Column('uuid', { name: 'current_version_id', nullable: true })
  currentVersionId: string | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
