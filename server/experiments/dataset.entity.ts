import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Project } from '../projects/project.entity';
import { FeatureSchemaItem } from './feature-schema.type';
import type { FeatureSchema } from '../ml/types';

/** An uploaded CSV, stored as an artifact, checked and described once at upload. */
@Entity('datasets')
@ObjectType({ description: 'An uploaded CSV file: training data, reference data or batch input' })
export class Dataset {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'datasets_pkey' })
  @Field(() => ID, { description: 'Stable identifier, for trainVersion, importExperimentVersion and pipelines' })
  id: string;

  @Index('datasets_project_id_idx')
  @Column('uuid', { name: 'project_id' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'datasets_project_id_fkey' })
  project: Project;

  @Column('text', { name: 'file_name' })
  @Field(() => String, { description: 'The name of the uploaded file' })
  fileName: string;

  @Column('text')
  sha256: string;

  @Column('bigint', { name: 'size_bytes', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  @Field(() => Int, { description: 'Size of the CSV file in bytes' })
  sizeBytes: number;

  @Column('integer')
  @Field(() => Int, { description: 'Data rows (the header excluded)' })
  rows: number;

  @Column('jsonb')
  @Field(() => [String], { description: 'Column names from the header, in file order' })
  columns: string[];

  /** Types inferred from the data; a version may override them. */
  @Column('jsonb', { name: 'inferred_schema' })
  @Field(() => [FeatureSchemaItem], { description: 'Column types inferred from the data' })
  inferredSchema: FeatureSchema[];

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When it was uploaded' })
  createdAt: Date;
}
