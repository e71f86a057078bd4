import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildBerthSchema, printBerthSchema } from '../../server/graphql/schema';
import { migrate } from '../../server/platform/database';
import { berthDataSource } from '../../server/entities';
import { LocalEventBus } from '../../server/platform/event-bus';
import { testDatabase } from '../support/database';

describe('generated artefacts stay in step with the code', () => {
  it('schema.graphql is what the resolvers build (run `npm run schema:emit` when this fails)', async () => {
    const committed = await readFile('schema.graphql', 'utf8');
    expect(printBerthSchema(await buildBerthSchema(new LocalEventBus()))).toBe(committed);
  });

  it('migrations create exactly what the entities describe (run `npm run db:migration:generate -- <name>` when this fails)', async () => {
    const database = await testDatabase();
    const dataSource = berthDataSource(database.url);
    await dataSource.initialize();
    try {
      expect((await migrate(dataSource)).length).toBeGreaterThan(0);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('migrations can be reverted to an empty schema', async () => {
    const database = await testDatabase();
    const dataSource = berthDataSource(database.url);
    await dataSource.initialize();
    try {
      const applied = await migrate(dataSource);
      for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration();
      const tables = await dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'`);
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
