import { Field, ID, InputType } from 'type-graphql';
import { DeploymentAccess, ValidationMode } from './deployment.entity';

@InputType({ description: 'A new deployment of a model of an experiment' })
export class CreateDeploymentInput {
  @Field(() => ID, { description: 'The project to create it in' })
  projectId: string;

  @Field(() => String, { description: 'Also gives the slug of its URL' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Free text; empty when omitted' })
  description?: string | null;

  @Field(() => ID, { description: 'The experiment whose models it serves' })
  experimentId: string;

  @Field(() => ID, { description: 'A ready model of any version of the experiment' })
  mainModelId: string;

  @Field(() => ID, { nullable: true, description: 'Another ready model of the same experiment, called on every request after the main one' })
  challengerModelId?: string | null;

  @Field(() => DeploymentAccess, { description: 'Who may call its prediction API' })
  access: DeploymentAccess;

  @Field(() => ValidationMode, { nullable: true, description: 'How rows that do not match the features are treated; strict when omitted' })
  validationMode?: ValidationMode | null;
}
