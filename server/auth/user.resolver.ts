import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { CreateUserInput } from './auth.inputs';
import { User } from './user.entity';

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

  @Mutation(() => User, { description: "A disabled user cannot sign in, and their sessions and tokens stop working" })
  setUserDisabled(@Arg('id', () => ID) id: string, @Arg('disabled', () => Boolean) disabled: boolean, @Ctx() { services, viewer }: Context): Promise<User> {
    const admin = services.policy.requireInstanceAdmin(viewer);
    return services.auth.setUserDisabled(admin, id, disabled);
  }
}
