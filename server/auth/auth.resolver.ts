import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { AccessToken } from './access-token.entity';
import { CreateAccessTokenInput } from './auth.inputs';
import { User } from './user.entity';

@ObjectType()
class LoginResult {
  @Field(() => String, { description: 'Bearer token for API clients; the console uses the cookie set alongside' })
  token: string;

  @Field(() => Date)
  expiresAt: Date;

  @Field(() => User)
  user: User;
}

@ObjectType()
class CreatedAccessToken {
  @Field(() => String, { description: 'The secret: shown this once, stored only as a hash' })
  token: string;

  @Field(() => AccessToken)
  accessToken: AccessToken;
}

@Resolver()
export class AuthResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user, or null' })
  me(@Ctx() { viewer }: Context): User | null {
    return viewer?.user ?? null;
  }

  @Mutation(() => LoginResult)
  async login(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() { services, session }: Context): Promise<LoginResult> {
    const result = await services.auth.login(email, password);
    session?.set(result.token, result.expiresAt);
    return result;
  }

  @Mutation(() => Boolean, { description: 'Ends the current session' })
  async logout(@Ctx() { services, viewer, session }: Context): Promise<boolean> {
    services.policy.requireUser(viewer);
    await services.auth.logout(viewer!);
    session?.clear();
    return true;
  }

  @Query(() => [AccessToken], { description: "The signed-in user's personal access tokens, newest first" })
  myAccessTokens(@Ctx() { services, viewer }: Context): Promise<AccessToken[]> {
    return services.auth.listPersonalTokens(services.policy.requireUser(viewer));
  }

  @Mutation(() => CreatedAccessToken)
  createAccessToken(@Arg('input', () => CreateAccessTokenInput) input: CreateAccessTokenInput, @Ctx() { services, viewer }: Context): Promise<CreatedAccessToken> {
    return services.auth.createPersonalToken(services.policy.requireUser(viewer), input.name, input.expiresAt ?? null);
  }

  @Mutation(() => AccessToken)
  revokeAccessToken(@Arg('id', () => ID) id: string, @Ctx() { services, viewer }: Context): Promise<AccessToken> {
    return services.auth.revokeToken(services.policy.requireUser(viewer), id);
  }
}
