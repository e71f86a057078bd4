import type { DataSource } from 'typeorm';
import { DomainError, forbidden, notFound, unauthenticated } from '../platform/errors';
import type { EventBus } from '../platform/event-bus';
import { Collaborator, PROJECT_ROLE_RANK, ProjectRole } from '../projects/collaborator.entity';
import { ACCESS_CHANGED, type AccessChange } from './access-events';
import type { Viewer } from './auth.service';
import { systemClock, type Clock } from './clock';
import { InstanceRole, type User } from './user.entity';

/**
 * How long a project role read from the database is trusted. Role changes, removals and
 * additions are announced on the event bus before they return and every replica drops the role
 * as it hears it; this bounds a change the bus missed or one made directly in the database.
 */
export const VERIFIED_ROLE_MS = 5000;
const SWEEP_ABOVE = 50_000;

interface CachedRole {
  role: ProjectRole | null;
  verifiedAt: number;
}

/**
 * Every access decision goes through here. Resolvers and routes call it before they call a
 * service; services trust their callers.
 *
 * A project a viewer does not belong to answers NOT_FOUND, not FORBIDDEN, so its existence
 * does not leak. Instance admins act as admins of every project.
 */
export class Policy {
  /** Roles by `userId:projectId`, null for "not a collaborator". */
  private readonly roles = new Map<string, CachedRole>();
  private changes = 0;
  /** Public so tests can move time on a running server. */
  clock: Clock;

  /** Roles are cached only with a bus: without one nothing would tell this process a role changed. */
  private readonly caches: boolean;

  constructor(
    private readonly db: DataSource,
    bus?: EventBus,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
    this.caches = bus !== undefined;
    bus?.on(ACCESS_CHANGED, (payload) => this.forget(payload as AccessChange));
  }

  /**
   * The signed-in user. A user whose password an admin reset is refused (FORBIDDEN, reason
   * PASSWORD_CHANGE_REQUIRED) until they change it; `allowPendingPasswordChange` is for the few
   * operations that lead there (me, changePassword, logout).
   */
  requireUser(viewer: Viewer | null, options: { allowPendingPasswordChange?: boolean } = {}): User {
    if (!viewer) throw unauthenticated();
    if (viewer.user.mustChangePassword && !options.allowPendingPasswordChange) {
      throw new DomainError('FORBIDDEN', 'An admin reset your password: choose a new one with changePassword before doing anything else', { reason: 'PASSWORD_CHANGE_REQUIRED' });
    }
    return viewer.user;
  }

  requireInstanceAdmin(viewer: Viewer | null): User {
    const user = this.requireUser(viewer);
    if (user.role !== InstanceRole.admin) throw forbidden('Only instance admins can do this');
    return user;
  }

  /**
   * The viewer's effective role in a project, or null when they have none. A role read in the
   * last VERIFIED_ROLE_MS is answered from memory.
   */
  async projectRole(user: User, projectId: string): Promise<ProjectRole | null> {
    if (user.role === InstanceRole.admin) return ProjectRole.admin;
    const key = `${user.id}:${projectId}`;
    const now = this.clock.now();
    const cached = this.roles.get(key);
    if (cached && now - cached.verifiedAt <= VERIFIED_ROLE_MS && now >= cached.verifiedAt) return cached.role;
    this.roles.delete(key);
    const changes = this.changes;
    const membership = await this.db.getRepository(Collaborator).findOne({
      where: { projectId, userId: user.id },
      select: { role: true, projectId: true, userId: true },
      loadEagerRelations: false,
    });
    const role = membership?.role ?? null;
    if (this.caches && changes === this.changes) {
      if (this.roles.size >= SWEEP_ABOVE) for (const [k, entry] of this.roles) if (now - entry.verifiedAt > VERIFIED_ROLE_MS) this.roles.delete(k);
      this.roles.set(key, { role, verifiedAt: now });
    }
    return role;
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

  /**
   * An object of a project (deployment, experiment, pipeline, connector, dataset, model, API
   * key…), once the viewer may act on it with the `minimum` role: `load` reads it by id and throws
   * NOT_FOUND when there is none. An object that does not exist and one in a project the viewer
   * has no role in get the same answer, "<kind> <id> does not exist or is not visible to you", so
   * neither its existence nor its project leaks. A caller without credentials is refused before
   * anything is read. A collaborator below `minimum` sees the object, so is told which role it needs.
   */
  async inProject<T extends { projectId: string }>(viewer: Viewer | null, kind: string, id: string, minimum: ProjectRole, load: (id: string) => Promise<T>): Promise<T> {
    const user = this.requireUser(viewer);
    let object: T;
    try {
      object = await load(id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound(kind, id);
      throw error;
    }
    const role = await this.projectRole(user, object.projectId);
    if (role === null) throw notFound(kind, id);
    if (PROJECT_ROLE_RANK[role] < PROJECT_ROLE_RANK[minimum]) {
      throw forbidden(`This needs the ${minimum} role in the project; you are ${role}`);
    }
    return object;
  }

  private forget(change: AccessChange): void {
    if (change.userId === undefined && change.projectId === undefined) return;
    this.changes++;
    for (const key of this.roles.keys()) {
      const [userId, projectId] = key.split(':');
      if ((change.userId === undefined || change.userId === userId) && (change.projectId === undefined || change.projectId === projectId)) this.roles.delete(key);
    }
  }
}
