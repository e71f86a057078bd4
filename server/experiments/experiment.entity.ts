import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Project } from '../projects/project.entity';

export enum ExperimentTask {
  regression = 'regression',
  binary = 'binary',
  multiclass = 'multiclass',
}
registerEnumType(ExperimentTask, { name: 'ExperimentTask', description: 'What the models of an experiment predict' });

@Entity('experiments')
@Index('experiments_project_id_name_key', ['projectId', 'name'], { unique: true })
@ObjectType({ description: 'A prediction problem: a target column and the versions of models trained for it' })
export class Experiment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'experiments_pkey' })
  @Field(() => ID)
  id: string;

  @Column('uuid', { name: 'project_id' })
  @Field(() => ID)
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'experiments_project_id_fkey' })
  project: Project;

  @Column('text')
  @Field(() => String)
  name: string;

  @Column('text', { default: '' })
  @Field(() => String)
  description: string;

  @Column('enum', { enum: ExperimentTask, enumName: 'experiment_task' })
  @Field(() => ExperimentTask)
  task: ExperimentTask;

  @Column('text', { name: 'target_column' })
  @Field(() => String)
  targetColumn: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date)
  createdAt: Date;
}
