import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';

@Entity('projects')
@ObjectType({ description: 'A team space: experiments, deployments and their collaborators' })
export class Project {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'projects_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Column('text')
  @Field(() => String, { description: '1 to 100 characters' })
  name: string;

  @Column('text', { default: '' })
  @Field(() => String, { description: 'Free text; empty when none' })
  description: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When the project was created' })
  createdAt: Date;
}
