import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Project } from './project.entity';

/** Ordered from least to most powerful; see `PROJECT_ROLE_RANK`. */
export enum ProjectRole {
  viewer = 'viewer',
  contributor = 'contributor',
  admin = 'admin',
}
registerEnumType(ProjectRole, {
  name: 'ProjectRole',
  description: 'What a collaborator may do in a project; each role includes the ones before it',
  valuesConfig: {
    viewer: { description: 'Reads everything in the project' },
    contributor: { description: 'Also creates and changes experiments, deployments and pipelines' },
    admin: { description: 'Also manages collaborators, renames and deletes the project' },
  },
});

export const PROJECT_ROLE_RANK: Record<ProjectRole, number> = { viewer: 0, contributor: 1, admin: 2 };

/**
 * A collaborator as the project's members see them: who they are, not their instance role or
 * whether their account is disabled (that is for instance admins, through `users`).
 */
@ObjectType('CollaboratorUser', { description: 'Who a collaborator is, as the members of a project see them' })
export class CollaboratorUser {
  @Field(() => ID, { description: "The user's id" }) id: string;
  @Field(() => String, { description: 'Their sign-in address' }) email: string;
  @Field(() => String, { description: 'Their display name' }) name: string;
}

@Entity('project_collaborators')
@ObjectType({ description: "A user's membership of a project" })
export class Collaborator {
  @PrimaryColumn('uuid', { name: 'project_id', primaryKeyConstraintName: 'project_collaborators_pkey' })
  projectId: string;

  @Index('project_collaborators_user_id_idx')
  @PrimaryColumn('uuid', { name: 'user_id', primaryKeyConstraintName: 'project_collaborators_pkey' })
  userId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'project_collaborators_project_id_fkey' })
  project: Project;

  @ManyToOne(() => User, { onDelete: 'CASCADE', eager: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'project_collaborators_user_id_fkey' })
  @Field(() => CollaboratorUser, { description: 'The collaborating user' })
  user: User;

  @Column('enum', { enum: ProjectRole, enumName: 'project_role' })
  @Field(() => ProjectRole, { description: 'What the user may do in the project' })
  role: ProjectRole;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  @Field(() => Date, { description: 'When the user joined the project' })
  createdAt: Date;
}
