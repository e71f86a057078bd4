import { Field, InputType } from 'type-graphql';
import { InstanceRole } from './user.entity';

@InputType({ description: 'A new account' })
export class CreateUserInput {
  @Field(() => String, { description: 'Sign-in address, unique on the instance (compared case-insensitively)' })
  email: string;

  @Field(() => String, { description: 'Display name shown to collaborators' })
  name: string;

  @Field(() => String, { description: 'At least 10 characters and not easy to guess (no common passwords, repeats or keyboard rows)' })
  password: string;

  @Field(() => InstanceRole, { defaultValue: InstanceRole.member, description: 'member unless the user administers the instance' })
  role: InstanceRole;
}

@InputType({ description: 'A new personal access token' })
export class CreateAccessTokenInput {
  @Field(() => String, { description: 'What the token is for, e.g. "grafana dashboard"' })
  name: string;

  @Field(() => Date, { nullable: true, description: 'When it stops working; when omitted (or later), when the token creating it expires, or never if that one does not' })
  expiresAt?: Date | null;
}
