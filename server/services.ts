import type { DataSource } from 'typeorm';
import { AuthService } from './auth/auth.service';
import { Policy } from './auth/policy';
import type { EventBus } from './platform/event-bus';
import { ProjectService } from './projects/project.service';

/** The domain services, built once at start-up and handed to resolvers and routes. */
export interface Services {
  db: DataSource;
  bus: EventBus;
  policy: Policy;
  auth: AuthService;
  projects: ProjectService;
}

export function createServices(db: DataSource, bus: EventBus): Services {
  return {
    db,
    bus,
    policy: new Policy(db),
    auth: new AuthService(db),
    projects: new ProjectService(db, bus),
  };
}
