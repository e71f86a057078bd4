import type { DataSource } from 'typeorm';
import { InstanceRole, User } from '../auth/user.entity';
import { announceAccessChange } from '../auth/access-events';
import { badInput, conflict, DomainError, notFound } from '../platform/errors';
import type { EventBus } from '../platform/event-bus';
import { topicFor } from '../platform/event-bus';
import { Collaborator, ProjectRole } from './collaborator.entity';
import { Project } from './project.entity';

export const PROJECT_UPDATED = 'PROJECT_UPDATED';

export type ProjectChange = 'renamed' | 'collaborators' | 'deleted';

/** What subscribers of `projectUpdated` receive. */
export interface ProjectUpdate {
  projectId: string;
  change: ProjectChange;
}

/** Checks run before a project is deleted; a later domain (deployments) adds one that refuses. */
export type ProjectDeletionCheck = (projectId: string) => Promise<void>;

export class ProjectService {
  private readonly deletionChecks: ProjectDeletionCheck[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
  ) {}

  private get projects() {
    return this.db.getRepository(Project);
  }
  private get collaborators() {
    return this.db.getRepository(Collaborator);
  }

  addDeletionCheck(check: ProjectDeletionCheck): void {
    this.deletionChecks.push(check);
  }

  /** Instance admins see every project; others the ones they collaborate on. */
  listVisibleTo(user: User): Promise<Project[]> {
    const query = this.projects.createQueryBuilder('project').orderBy('project.name', 'ASC');
    if (user.role !== InstanceRole.admin) {
      query.innerJoin(Collaborator, 'c', 'c.project_id = project.id AND c.user_id = :userId', { userId: user.id });
    }
    return query.getMany();
  }

  async get(id: string): Promise<Project> {
    const project = await this.projects.findOneBy({ id });
    if (!project) throw notFound('Project', id);
    return project;
  }

  /** The creator becomes the project's first admin. */
  create(creator: User, name: string, description = ''): Promise<Project> {
    const validName = validateName(name);
    return this.db.transaction(async (tx) => {
      const project = await tx.save(tx.create(Project, { name: validName, description: description.trim() }));
      await tx.save(tx.create(Collaborator, { projectId: project.id, userId: creator.id, role: ProjectRole.admin }));
      return project;
    });
  }

  async rename(id: string, name: string): Promise<Project> {
    const project = await this.get(id);
    project.name = validateName(name);
    await this.projects.save(project);
    await this.announce(id, 'renamed');
    return project;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    for (const check of this.deletionChecks) await check(id);
    await this.projects.delete(id);
    await announceAccessChange(this.bus, { projectId: id });
    await this.announce(id, 'deleted');
  }

  listCollaborators(projectId: string): Promise<Collaborator[]> {
    return this.collaborators.find({ where: { projectId }, order: { createdAt: 'ASC' } });
  }

  async addCollaborator(projectId: string, email: string, role: ProjectRole): Promise<Collaborator> {
    await this.get(projectId);
    const user = await this.db.getRepository(User).findOneBy({ email: email.trim().toLowerCase() });
    // The same answer whatever the reason, so adding collaborators cannot probe which emails have accounts.
    if (!user || user.disabled) throw new DomainError('NOT_FOUND', 'email: no user with that email can be added; an instance admin can create their account', { field: 'email' });
    if (await this.collaborators.existsBy({ projectId, userId: user.id })) {
      throw conflict(`${user.email} is already a collaborator of this project; change their role instead`);
    }
    const collaborator = await this.collaborators.save(this.collaborators.create({ projectId, userId: user.id, role, user }));
    // Every replica forgets the role it cached ("not a collaborator") before this returns.
    await announceAccessChange(this.bus, { userId: user.id, projectId });
    await this.announce(projectId, 'collaborators');
    return collaborator;
  }

  async changeCollaboratorRole(projectId: string, userId: string, role: ProjectRole): Promise<Collaborator> {
    const collaborator = await this.getCollaborator(projectId, userId);
    if (collaborator.role === ProjectRole.admin && role !== ProjectRole.admin) await this.refuseLastAdmin(projectId, 'demote');
    collaborator.role = role;
    await this.collaborators.save(collaborator);
    await announceAccessChange(this.bus, { userId, projectId });
    await this.announce(projectId, 'collaborators');
    return collaborator;
  }

  async removeCollaborator(projectId: string, userId: string): Promise<void> {
    const collaborator = await this.getCollaborator(projectId, userId);
    if (collaborator.role === ProjectRole.admin) await this.refuseLastAdmin(projectId, 'remove');
    await this.collaborators.delete({ projectId, userId });
    // Before this returns, every replica forgets the role and ends the user's subscriptions to the project.
    await announceAccessChange(this.bus, { userId, projectId });
    await this.announce(projectId, 'collaborators');
  }

  private async getCollaborator(projectId: string, userId: string): Promise<Collaborator> {
    const collaborator = await this.collaborators.findOneBy({ projectId, userId });
    if (!collaborator) throw notFound('Collaborator', userId);
    return collaborator;
  }

  private async refuseLastAdmin(projectId: string, action: 'demote' | 'remove'): Promise<void> {
    const admins = await this.collaborators.countBy({ projectId, role: ProjectRole.admin });
    if (admins <= 1) throw conflict(`Cannot ${action} the project's last admin; make another collaborator admin first`);
  }

  private announce(projectId: string, change: ProjectChange): Promise<void> {
    const update: ProjectUpdate = { projectId, change };
    return this.bus.publish(topicFor(PROJECT_UPDATED, projectId), update);
  }
}

function validateName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) throw badInput('name', 'must be 1 to 100 characters');
  return trimmed;
}
