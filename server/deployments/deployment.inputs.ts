import { Field, ID, InputType } from 'type-graphql';
import { DeploymentAccess, ValidationMode } from './deployment.entity';

@InputType()
export class CreateDeploymentInput {
  @Field(() => ID)
  projectId: string;

  @Field(() => String, { description: 'Also gives the slug of its URL' })
  name: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => ID)
  experimentId: string;

  @Field(() => ID, { description: 'A ready model of any version of the experiment' })
  mainModelId: string;

  @Field(() => ID, { nullable: true, description: 'Another ready model of the same experiment, called on every request after the main one' })
  challengerModelId?: string | null;

  @Field(() => DeploymentAccess)
  access: DeploymentAccess;

  @Field(() => ValidationMode, { nullable: true, description: 'strict when omitted' })
  validationMode?: ValidationMode | null;
}
