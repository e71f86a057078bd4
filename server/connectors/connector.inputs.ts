import { Field, ID, InputType, Int } from 'type-graphql';
import { ConnectorTlsMode } from './connector.entity';

@InputType()
export class CreateConnectorInput {
  @Field(() => ID)
  projectId: string;

  @Field(() => String, { description: 'Unique in the project' })
  name: string;

  @Field(() => String, { description: 'Host name or IP address, without scheme or port' })
  host: string;

  @Field(() => Int, { nullable: true, description: '5432 when omitted' })
  port?: number | null;

  @Field(() => String)
  database: string;

  @Field(() => String)
  user: string;

  @Field(() => String, { nullable: true, description: 'Stored encrypted; never returned' })
  password?: string | null;

  @Field(() => ConnectorTlsMode)
  tlsMode: ConnectorTlsMode;
}
