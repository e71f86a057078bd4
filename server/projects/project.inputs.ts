import { Field, InputType } from 'type-graphql';

@InputType({ description: 'A new project' })
export class CreateProjectInput {
  @Field(() => String, { description: '1 to 100 characters' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Free text; empty when omitted' })
  description?: string | null;
}
