import { afterAll, inject } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../server/platform/scratch-database';

/** A fresh, empty database for this test file, dropped when the file's tests are done. */
export async function testDatabase(): Promise<ScratchDatabase> {
  const database = await createScratchDatabase(inject('postgresServerUrl'), 'berth_test');
  afterAll(() => database.drop());
  return database;
}
