import { DataSource } from 'typeorm';
import { User } from '../../server/auth/user.entity';
import { Connector } from '../../server/connectors/connector.entity';
import { Collaborator } from '../../server/projects/collaborator.entity';
import { Project } from '../../server/projects/project.entity';
import { testDatabase } from './database';
import { cleanUp } from './cleanup';

/**
 * Berth's own database with just the tables connectors need, for this folder's tests. Built
 * with `synchronize` from those entities so the tests stand alone, whatever state the other
 * domains' migrations are in; the migrations test checks entities and migrations agree.
 */
export async function connectorDataSource(): Promise<DataSource> {
  const db = new DataSource({ type: 'postgres', url: (await testDatabase()).url, entities: [User, Project, Collaborator, Connector], synchronize: true, uuidExtension: 'pgcrypto', installExtensions: false, logging: false });
  await db.initialize();
  cleanUp(() => db.destroy());
  return db;
}
