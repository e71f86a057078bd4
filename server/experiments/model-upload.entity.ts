import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Project } from '../projects/project.entity';
import { ModelFormat, type ModelFile } from './model.entity';
import type { ModelSignature } from './model-import-check';

/**
 * Model files (TF.js, or one .onnx file) uploaded for an import (POST /api/v1/projects/{id}/model-uploads), checked and
 * stored, waiting for `importExperimentVersion` to turn them into a model.
 */
@Entity('model_uploads')
export class ModelUpload {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'model_uploads_pkey' })
  id: string;

  @Index('model_uploads_project_id_idx')
  @Column('uuid', { name: 'project_id' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'model_uploads_project_id_fkey' })
  project: Project;

  @Column('enum', { enum: ModelFormat, enumName: 'model_format' })
  format: ModelFormat;

  @Column('jsonb')
  files: ModelFile[];

  /** TF.js: its one input's width; null for an ONNX model (its signature says more). */
  @Column('integer', { name: 'input_width', nullable: true })
  inputWidth: number | null;

  @Column('integer', { name: 'output_width', nullable: true })
  outputWidth: number | null;

  /** ONNX: the inputs and outputs the file declares, from which the import proposes a contract. */
  @Column('jsonb', { nullable: true })
  signature: ModelSignature | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}
