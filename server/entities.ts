import { AccessToken } from './auth/access-token.entity';
import { User } from './auth/user.entity';
import { Collaborator } from './projects/collaborator.entity';
import { Project } from './projects/project.entity';

/** Every TypeORM entity; migrations/ must create exactly these tables. */
export const entities = [User, AccessToken, Project, Collaborator];
