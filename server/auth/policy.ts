import type { DataSource } from 'typeorm';
import { forbidden, notFound, unauthenticated } from '../platform/errors';
import { Collaborator, PROJECT_ROLE_RANK, ProjectRole } from '../projects/collaborator.entity';
import type { Viewer } from './auth.service';
import { InstanceRole, type User } from './user.entity';

/**
 * Every access decision goes through here. Resolvers and routes call it before they call a
 * service; services trust their callers.
 *
 * A project a viewer does not belong to answers NOT_FOUND, not FORBIDDEN, so its existence
 * does not leak. Instance admins act as admins of every project.
 */
export class Policy {
  constructor(private readonly db: DataSource) {}

  requireUser(viewer: Viewer | null): User {
    if (!viewer) throw unauthenticated();
    return viewer.user;
  }

  requireInstanceAdmin(viewer: Viewer | null): User {
    const user = this.requireUser(viewer);
    if (user.role !== InstanceRole.admin) throw forbidden('Only instance admins can do this');
    return user;
  }

  /** The viewer's effective role in a project, or null when they have none. */
  async projectRole(user: User, projectId: string): Promise<ProjectRole | null> {
    if (user.role === InstanceRole.admin) return ProjectRole.admin;
    const membership = await this.db.getRepository(Collaborator).findOne({
      where: { projectId, userId: user.id },
      select: { role: true, projectId: true, userId: true },
      loadEagerRelations: false,
    });
    return membership?.role ?? null;
  }

  async requireProjectRole(viewer: Viewer | null, projectId: string, minimum: ProjectRole): Promise<User> {
    const user = this.requireUser(viewer);
    const role = await this.projectRole(user, projectId);
    if (role === null) throw notFound('Project', projectId);
    if (PROJECT_ROLE_RANK[role] < PROJECT_ROLE_RANK[minimum]) {
      throw forbidden(`This needs the ${minimum} role in the project; you are ${role}`);
    }
    return user;
  }
}
