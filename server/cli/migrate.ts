/** Applies pending migrations to the configured database and exits: `npm run db:migrate`. */
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { migrate } from '../platform/database';
import { berthDataSource } from '../entities';
import { startEmbeddedPostgres } from '../platform/embedded-postgres';
import { createLogger } from '../platform/logger';

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, logger);
  const dataSource = berthDataSource(config.databaseUrl ?? embedded!.url);
  await dataSource.initialize();
  const applied = await migrate(dataSource);
  console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  await dataSource.destroy();
  await embedded?.stop();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
}
