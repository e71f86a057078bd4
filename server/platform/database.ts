import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * A TypeORM data source on PostgreSQL. The schema comes from migrations only, never
 * `synchronize`; the composition root names the entities and migrations (server/entities.ts).
 */
export function createDataSource(url: string, options: { entities: DataSourceOptions['entities']; migrations: DataSourceOptions['migrations']; poolSize?: number }): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    extra: { max: options.poolSize ?? 10 },
  });
}

/**
 * Applies pending migrations; returns the names of those it ran. Several processes may start
 * at once on one database: an advisory lock lets one migrate at a time.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('berth:migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(hashtext('berth:migrations'))`).catch(() => undefined);
    await runner.release();
  }
}
