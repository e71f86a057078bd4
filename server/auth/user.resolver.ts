import { Arg, Args, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { PageArgs, pageArgs, slicePage } from '../graphql/paging';
import { CreateUserInput } from './auth.inputs';
import { User } from './user.entity';

@ObjectType({ description: 'The outcome of resetUserPassword' })
class PasswordReset {
  @Field(() => User, { description: 'The user whose password was reset' })
  user: User;

  @Field(() => String, { nullable: true, description: 'The generated password, shown this once; null when you chose it' })
  generatedPassword: string | null;
}

/** Instance administration: only instance admins. */
@Resolver(() => User)
export class UserResolver {
  @Query(() => [User], { description: 'The accounts of the instance, oldest first, one page (instance admins only); userCount is the total' })
  async users(@Args(() => PageArgs) paging: PageArgs, @Ctx() { services, viewer }: Context): Promise<User[]> {
    const range = pageArgs(paging);
    services.policy.requireInstanceAdmin(viewer);
    return slicePage(await services.auth.listUsers(), range);
  }

  @Query(() => Int, { description: 'How many accounts the instance has (instance admins only)' })
  userCount(@Ctx() { services, viewer }: Context): Promise<number> {
    services.policy.requireInstanceAdmin(viewer);
    return services.db.getRepository(User).count();
  }

  @Mutation(() => User, { description: 'Creates an account (instance admins only); the user can sign in at once' })
  createUser(@Arg('input', () => CreateUserInput, { description: "The new account's email, name, password and role" }) input: CreateUserInput, @Ctx() { services, viewer }: Context): Promise<User> {
    services.policy.requireInstanceAdmin(viewer);
    return services.auth.createUser(input);
  }

  @Mutation(() => User, { description: 'A disabled user cannot sign in, and their sessions, tokens and subscriptions stop working on every server' })
  setUserDisabled(@Arg('id', () => ID, { description: 'The user to disable or enable; not yourself' }) id: string, @Arg('disabled', () => Boolean, { description: 'True disables, false enables again' }) disabled: boolean, @Ctx() { services, viewer }: Context): Promise<User> {
    const admin = services.policy.requireInstanceAdmin(viewer);
    return services.auth.setUserDisabled(admin, id, disabled);
  }

  @Mutation(() => PasswordReset, {
    description: "Sets another user's password (the one given, or a generated one returned once) and ends their sessions. Until they choose their own with changePassword, the API refuses them everything else",
  })
  async resetUserPassword(
    @Arg('id', () => ID, { description: 'The user whose password to reset' }) id: string,
    @Arg('newPassword', () => String, { nullable: true, description: 'The new password (same rules as changePassword); omitted: a generated one is returned once' }) newPassword: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<PasswordReset> {
    const admin = services.policy.requireInstanceAdmin(viewer);
    const { user, password } = await services.auth.resetPassword(admin, id, newPassword ?? null);
    return { user, generatedPassword: newPassword ? null : password };
  }
}
