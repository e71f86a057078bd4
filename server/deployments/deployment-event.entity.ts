import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Deployment } from './deployment.entity';

export enum DeploymentEventKind {
  created = 'created',
  deployed = 'deployed',
  rolled_back = 'rolled_back',
}
registerEnumType(DeploymentEventKind, {
  name: 'DeploymentEventKind',
  description: 'What changed the version a deployment serves',
  valuesConfig: {
    created: { description: 'The deployment was created with version 1' },
    deployed: { description: 'A new version was deployed' },
    rolled_back: { description: 'An earlier version was made current again' },
  },
});

/** The audit trail of a deployment: every switch of its current version, by whom and when. */
@Entity('deployment_events')
@ObjectType({ description: 'A change of the version a deployment serves' })
export class DeploymentEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'deployment_events_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Index('deployment_events_deployment_id_idx')
  @Column('uuid', { name: 'deployment_id' })
  deploymentId: string;

  @ManyToOne(() => Deployment, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deployment_id', foreignKeyConstraintName: 'deployment_events_deployment_id_fkey' })
  deployment: Deployment;

  @Column('enum', { enum: DeploymentEventKind, enumName: 'deployment_event_kind' })
  @Field(() => DeploymentEventKind, { description: 'What happened' })
  kind: DeploymentEventKind;

  @Column('integer', { name: 'from_version', nullable: true })
  @Field(() => Int, { nullable: true, description: 'The version served before; null for created' })
  fromVersion: number | null;

  @Column('integer', { name: 'to_version' })
  @Field(() => Int, { description: 'The version served after' })
  toVersion: number;

  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it happened' })
  createdAt: Date;
}
