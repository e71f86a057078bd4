import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Model } from '../experiments/model.entity';
import { Deployment } from './deployment.entity';

/** Which models serve a deployment: version n names a main model and an optional challenger. */
@Entity('deployment_versions')
@Index('deployment_versions_deployment_id_number_key', ['deploymentId', 'number'], { unique: true })
@ObjectType({ description: 'A main model and an optional challenger, numbered per deployment' })
export class DeploymentVersion {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'deployment_versions_pkey' })
  @Field(() => ID, { description: 'Stable identifier, for rollbackDeployment' })
  id: string;

  @Column('uuid', { name: 'deployment_id' })
  @Field(() => ID, { description: 'The deployment it belongs to' })
  deploymentId: string;

  @ManyToOne(() => Deployment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deployment_id', foreignKeyConstraintName: 'deployment_versions_deployment_id_fkey' })
  deployment: Deployment;

  @Column('integer')
  @Field(() => Int, { description: '1, 2, … in order of creation within the deployment' })
  number: number;

  @Index('deployment_versions_main_model_id_idx')
  @Column('uuid', { name: 'main_model_id' })
  @Field(() => ID, { description: 'The model whose predictions are returned' })
  mainModelId: string;

  // RESTRICT: a model a deployment version names cannot disappear under it (rollback needs it).
  @ManyToOne(() => Model, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'main_model_id', foreignKeyConstraintName: 'deployment_versions_main_model_id_fkey' })
  mainModel: Model;

  @Index('deployment_versions_challenger_model_id_idx')
  @Column('uuid', { name: 'challenger_model_id', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The model called after the main one for comparison; null: none' })
  challengerModelId: string | null;

  @ManyToOne(() => Model, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'challenger_model_id', foreignKeyConstraintName: 'deployment_versions_challenger_model_id_fkey' })
  challengerModel: Model | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
