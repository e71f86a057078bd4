import { Field, ID, InputType, Int } from 'type-graphql';
import { ConnectorTlsMode } from './connector.entity';

@InputType({ description: 'A new connector' })
export class CreateConnectorInput {
  @Field(() => ID, { description: 'The project it belongs to' })
  projectId: string;

  @Field(() => String, { description: 'Unique in the project' })
  name: string;

  @Field(() => String, { description: 'Host name or IP address, without scheme or port' })
  host: string;

  @Field(() => Int, { nullable: true, description: '5432 when omitted' })
  port?: number | null;

  @Field(() => String, { description: 'The database to connect to' })
  database: string;

  @Field(() => String, { description: 'The PostgreSQL role to connect as' })
  user: string;

  @Field(() => String, { nullable: true, description: 'Stored encrypted; never returned' })
  password?: string | null;

  @Field(() => ConnectorTlsMode, { description: 'How the connection is encrypted; verify_full unless the network is trusted' })
  tlsMode: ConnectorTlsMode;
}

@InputType({ description: 'Changes to a connector: a field left out keeps its value' })
export class UpdateConnectorInput {
  @Field(() => ID, { description: 'The connector to change' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Unique in the project' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Host name or IP address, without scheme or port' })
  host?: string | null;

  @Field(() => Int, { nullable: true, description: '5432 when null' })
  port?: number | null;

  @Field(() => String, { nullable: true, description: 'The database to connect to' })
  database?: string | null;

  @Field(() => String, { nullable: true, description: 'The PostgreSQL role to connect as' })
  user?: string | null;

  @Field(() => String, { nullable: true, description: 'A new password, stored encrypted; omitted or empty keeps the current one' })
  password?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Remove the stored password (the server needs none)' })
  clearPassword?: boolean | null;

  @Field(() => ConnectorTlsMode, { nullable: true, description: 'How the connection is encrypted' })
  tlsMode?: ConnectorTlsMode | null;
}
