import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { CreateUserInput } from './auth.inputs';
import { User } from './user.entity';

@ObjectType()
class PasswordReset {
  @Field(() => User)
  user: User;

  @Field(() => String, { nullable: true, description: 'The generated password, shown this once; null when you chose it' })
  generatedPassword: string | null;
}

/** Instance administration: only instance admins. */
@Resolver(() => User)
export class UserResolver {
  @Query(() => [User])
  users(@Ctx() { services, viewer }: Context): Promise<User[]> {
    services.policy.requireInstanceAdmin(viewer);
    return services.auth.listUsers();
  }

  @Mutation(() => User)
  createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() { services, viewer }: Context): Promise<User> {
    services.policy.requireInstanceAdmin(viewer);
    return services.auth.createUser(input);
  }

  @Mutation(() => User, { description: 'A disabled user cannot sign in, and their sessions, tokens and subscriptions stop working on every server' })
  setUserDisabled(@Arg('id', () => ID) id: string, @Arg('disabled', () => Boolean) disabled: boolean, @Ctx() { services, viewer }: Context): Promise<User> {
    const admin = services.policy.requireInstanceAdmin(viewer);
    return services.auth.setUserDisabled(admin, id, disabled);
  }

  @Mutation(() => PasswordReset, {
    description: "Sets another user's password (the one given, or a generated one returned once) and ends their sessions. Until they choose their own with changePassword, the API refuses them everything else",
  })
  async resetUserPassword(
    @Arg('id', () => ID) id: string,
    @Arg('newPassword', () => String, { nullable: true }) newPassword: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<PasswordReset> {
    const admin = services.policy.requireInstanceAdmin(viewer);
    const { user, password } = await services.auth.resetPassword(admin, id, newPassword ?? null);
    return { user, generatedPassword: newPassword ? null : password };
  }
}
