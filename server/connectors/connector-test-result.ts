import { Field, ObjectType } from 'type-graphql';

/** What `testConnector` found, step by step: each flag implies the ones before it. */
@ObjectType({ description: 'The outcome of trying a connector: how far it got and, when it stopped, why' })
export class ConnectorTestResult {
  @Field(() => Boolean, { description: 'Every check passed: usable as a pipeline source and destination' })
  ok: boolean;

  @Field(() => Boolean, { description: 'A PostgreSQL server answered at host:port' })
  reachable: boolean;

  @Field(() => Boolean, { description: 'It accepted the user and password' })
  authenticated: boolean;

  @Field(() => Boolean, { description: 'The database exists and a read-only query ran' })
  canRead: boolean;

  @Field(() => Boolean, { description: 'A table can be created in schema public (needed by destinations that create their table)' })
  canCreateTables: boolean;

  @Field(() => String, { description: 'What worked, or precisely what failed and what to change' })
  message: string;
}
