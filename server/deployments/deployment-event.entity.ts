import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Deployment } from './deployment.entity';

export enum DeploymentEventKind {
  created = 'created',
  deployed = 'deployed',
  rolled_back = 'rolled_back',
}
registerEnumType(DeploymentEventKind, { name: 'DeploymentEventKind' });

/** The audit trail of a deployment: every switch of its current version, by whom and when. */
@Entity('deployment_events')
@ObjectType({ description: 'A change of the version a deployment serves' })
export class DeploymentEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'deployment_events_pkey' })
  @Field(() => ID)
  id: string;

  @Index('deployment_events_deployment_id_idx')
  @Column('uuid', { name: 'deployment_id' })
  deploymentId: string;

  @ManyToOne(() => Deployment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deployment_id', foreignKeyConstraintName: 'deployment_events_deployment_id_fkey' })
  deployment: Deployment;

  @Column('enum', { enum: DeploymentEventKind, enumName: 'deployment_event_kind' })
  @Field(() => DeploymentEventKind)
  kind: DeploymentEventKind;

  @Column('integer', { name: 'from_version', nullable: true })
  @Field(() => Number, { nullable: true })
  fromVersion: number | null;

  @Column('integer', { name: 'to_version' })
  @Field(() => Number)
  toVersion: number;

  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date)
  createdAt: Date;
}
