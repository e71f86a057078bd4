import { inject } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../server/platform/scratch-database';
import { cleanUp } from './cleanup';

/** A name prefix for databases and roles of this test run: the end of the run drops what is left of them. */
export const runScoped = (kind: 'test' | 'ext') => `berth_${kind}_${inject('testRunId')}`;

/** A fresh, empty database for this test file, dropped when the file's tests are done. */
export async function testDatabase(): Promise<ScratchDatabase> {
  const database = await createScratchDatabase(inject('postgresServerUrl'), runScoped('test'));
  cleanUp(() => database.drop());
  return database;
}
