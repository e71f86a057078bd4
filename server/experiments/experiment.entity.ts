import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Project } from '../projects/project.entity';

export enum ExperimentTask {
  regression = 'regression',
  binary = 'binary',
  multiclass = 'multiclass',
}
registerEnumType(ExperimentTask, {
  name: 'ExperimentTask',
  description: 'What the models of an experiment predict',
  valuesConfig: {
    regression: { description: 'A number' },
    binary: { description: 'One of two labels, with its probability' },
    multiclass: { description: 'One of several labels, with the probability of each' },
  },
});

@Entity('experiments')
@Index('experiments_project_id_name_key', ['projectId', 'name'], { unique: true })
@ObjectType({ description: 'A prediction problem: a target column and the versions of models trained for it' })
export class Experiment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'experiments_pkey' })
  @Field(() => ID, { description: 'Stable identifier' })
  id: string;

  @Column('uuid', { name: 'project_id' })
  @Field(() => ID, { description: 'The project it belongs to' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'experiments_project_id_fkey' })
  project: Project;

  @Column('text')
  @Field(() => String, { description: 'Its name in the project' })
  name: string;

  @Column('text', { default: '' })
  @Field(() => String, { description: 'Free text; empty when none' })
  description: string;

  @Column('enum', { enum: ExperimentTask, enumName: 'experiment_task' })
  @Field(() => ExperimentTask, { description: 'Regression, binary or multiclass classification' })
  task: ExperimentTask;

  @Column('text', { name: 'target_column' })
  @Field(() => String, { description: 'The CSV column the models predict' })
  targetColumn: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was created' })
  createdAt: Date;
}
