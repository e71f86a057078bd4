import { User } from '../auth/user.entity';
import type { Logger } from '../platform/logger';
import type { Services } from '../services';

/**
 * Demo data for a newcomer's first start, created once, on an empty instance only
 * (`BERTH_DEMO=off` skips it). The demo experiments and deployments join it as their
 * domains arrive.
 */
export async function seedDemo(services: Services, adminEmail: string, logger: Logger): Promise<void> {
  const admin = await services.db.getRepository(User).findOneByOrFail({ email: adminEmail });
  const project = await services.projects.create(admin, 'Demo', 'Example project created on the first start of this instance.');
  logger.info({ projectId: project.id }, 'created the demo project');
}
