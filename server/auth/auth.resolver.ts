import { Arg, Args, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';
import { PageArgs, pageArgs, slicePage } from '../graphql/paging';
import { AccessToken, AccessTokenKind } from './access-token.entity';
import { CreateAccessTokenInput } from './auth.inputs';
import { User } from './user.entity';

@ObjectType({ description: 'A new session' })
class LoginResult {
  @Field(() => String, { description: 'Bearer token for API clients; the console uses the cookie set alongside' })
  token: string;

  @Field(() => Date, { description: 'When the session ends; sign in again after it' })
  expiresAt: Date;

  @Field(() => User, { description: 'The signed-in user' })
  user: User;
}

@ObjectType({ description: 'A new personal access token and its secret' })
class CreatedAccessToken {
  @Field(() => String, { description: 'The secret: shown this once, stored only as a hash' })
  token: string;

  @Field(() => AccessToken, { description: 'The new token as listed by myAccessTokens' })
  accessToken: AccessToken;

  @Field(() => Boolean, { description: 'True when the expiry asked for (or none) was brought forward to the expiry of the token that created it: a token never outlives its creator' })
  capped: boolean;
}

@Resolver()
export class AuthResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user, or null' })
  me(@Ctx() { viewer }: Context): User | null {
    // Also for a user who must change their password: the console reads mustChangePassword here.
    return viewer?.user ?? null;
  }

  @Mutation(() => LoginResult, { description: "Signs in with an email and password (throttled per address and client); also sets the console's session cookie" })
  async login(@Arg('email', () => String, { description: "The account's email address, in any letter case" }) email: string, @Arg('password', () => String, { description: "The account's password" }) password: string, @Ctx() { services, session, clientAddress }: Context): Promise<LoginResult> {
    const result = await services.auth.login(email, password, clientAddress);
    session?.set(result.token, result.expiresAt);
    return result;
  }

  @Mutation(() => Boolean, { description: 'Ends the current session (on every server, and its open subscriptions). Refused for a personal access token: revoke it with revokeAccessToken' })
  async logout(@Ctx() { services, viewer, session }: Context): Promise<boolean> {
    services.policy.requireUser(viewer, { allowPendingPasswordChange: true });
    await services.auth.logout(viewer!);
    session?.clear();
    return true;
  }

  @Query(() => [AccessToken], { description: "The signed-in user's personal access tokens, revoked ones included, newest first, one page; myAccessTokenCount is the total" })
  async myAccessTokens(@Args(() => PageArgs) paging: PageArgs, @Ctx() { services, viewer }: Context): Promise<AccessToken[]> {
    const range = pageArgs(paging);
    return slicePage(await services.auth.listPersonalTokens(services.policy.requireUser(viewer)), range);
  }

  @Query(() => Int, { description: "How many personal access tokens the signed-in user has, revoked ones included" })
  myAccessTokenCount(@Ctx() { services, viewer }: Context): Promise<number> {
    const user = services.policy.requireUser(viewer);
    return services.db.getRepository(AccessToken).countBy({ userId: user.id, kind: AccessTokenKind.personal });
  }

  @Mutation(() => CreatedAccessToken, { description: 'A personal access token; it expires at the latest with the token (or session) that creates it' })
  createAccessToken(@Arg('input', () => CreateAccessTokenInput, { description: 'Its name and optional expiry' }) input: CreateAccessTokenInput, @Ctx() { services, viewer }: Context): Promise<CreatedAccessToken> {
    services.policy.requireUser(viewer);
    return services.auth.createPersonalToken(viewer!, input.name, input.expiresAt ?? null);
  }

  @Mutation(() => AccessToken, { description: 'Takes effect on the next request, on every server' })
  revokeAccessToken(@Arg('id', () => ID, { description: "One of your own tokens (myAccessTokens), or your session's" }) id: string, @Ctx() { services, viewer }: Context): Promise<AccessToken> {
    return services.auth.revokeToken(services.policy.requireUser(viewer), id);
  }

  @Mutation(() => User, {
    description: 'Changes your password (throttled like a sign-in). Ends your other sessions; the one making this call and your personal access tokens keep working',
  })
  changePassword(
    @Arg('currentPassword', () => String, { description: 'The password you signed in with' }) currentPassword: string,
    @Arg('newPassword', () => String, { description: 'At least 10 characters and not easy to guess' }) newPassword: string,
    @Ctx() { services, viewer, clientAddress }: Context,
  ): Promise<User> {
    services.policy.requireUser(viewer, { allowPendingPasswordChange: true });
    return services.auth.changePassword(viewer!, currentPassword, newPassword, clientAddress);
  }
}
