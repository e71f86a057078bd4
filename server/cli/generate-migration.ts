/**
 * Writes a migration with the SQL that brings the database from the current migrations to
 * the current entities: `npm run db:migration:generate -- <name>`. Works on a scratch
 * database on the server of TEST_DATABASE_URL / DATABASE_URL (default: local PostgreSQL).
 */
import 'reflect-metadata';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { migrate } from '../platform/database';
import { berthDataSource } from '../entities';
import { createScratchDatabase, LOCAL_POSTGRES_URL } from '../platform/scratch-database';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('Usage: npm run db:migration:generate -- <name-in-kebab-case>');
  process.exit(2);
}

const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? LOCAL_POSTGRES_URL, 'berth_migration');
const dataSource = berthDataSource(scratch.url);
try {
  await dataSource.initialize();
  await migrate(dataSource);
  const sql = await dataSource.driver.createSchemaBuilder().log();
  if (sql.upQueries.length === 0) {
    console.log('Entities and migrations agree: nothing to generate.');
  } else {
    const timestamp = Date.now();
    const className = name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()) + timestamp;
    const quote = (q: string) => '    await queryRunner.query(' + JSON.stringify(q) + ');';
    const file = path.join('migrations', `${timestamp}-${name}.ts`);
    await writeFile(
      file,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${sql.upQueries.map((q) => quote(q.query)).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${sql.downQueries.reverse().map((q) => quote(q.query)).join('\n')}
  }
}
`,
    );
    await writeMigrationIndex();
    console.log(`Wrote ${file} and listed it in migrations/index.ts: review its SQL.`);
  }
} finally {
  await dataSource.destroy().catch(() => undefined);
  await scratch.drop();
}

/** Rewrites migrations/index.ts to list every migration file, oldest first. */
async function writeMigrationIndex(): Promise<void> {
  const files = (await readdir('migrations')).filter((f) => /^\d+-[a-z0-9-]+\.ts$/.test(f)).sort();
  const classes = await Promise.all(files.map(async (f) => (await readFile(path.join('migrations', f), 'utf8')).match(/export class (\w+)/)![1]));
  const imports = files.map((f, i) => `import { ${classes[i]} } from './${f.replace(/\.ts$/, '')}';`);
  await writeFile(
    path.join('migrations', 'index.ts'),
    `${imports.join('\n')}\n\n/** In order. Listed explicitly so every runner (tsx, vitest, the CLI) loads the same set. */\nexport const migrations = [${classes.join(', ')}];\n`,
  );
}
