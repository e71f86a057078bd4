import type { DataSource } from 'typeorm';
import { badInput, conflict, DomainError, forbidden, notFound, unauthenticated } from '../platform/errors';
import type { EventBus } from '../platform/event-bus';
import { AccessToken, AccessTokenKind } from './access-token.entity';
import { ACCESS_CHANGED, announceAccessChange, type AccessChange } from './access-events';
import { systemClock, type Clock } from './clock';
import { decoyPasswordHash, generatePassword, generateToken, hashPassword, hashToken, verifyPassword } from './credentials';
import { LoginThrottle } from './login-throttle';
import { checkPasswordStrength } from './password-policy';
import { InstanceRole, User } from './user.entity';

/** Who is calling: the user and the token that proved it. */
export interface Viewer {
  user: User;
  tokenId: string;
  tokenKind: AccessTokenKind;
  /** When the presented token stops working; null for a personal token without expiry. */
  tokenExpiresAt: Date | null;
}

const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** `last_used_at` is written at most this often per token, not on every request. */
const LAST_USED_PRECISION_MS = 60 * 1000;
/**
 * How long a verified token is trusted without reading it again. Logout, revocation, disabling
 * and password changes are announced on the event bus before they return, and every replica
 * drops the token as it hears it; this bounds a change the bus missed (while it reconnected) or
 * one made directly in the database.
 */
export const VERIFIED_TOKEN_MS = 5000;
/** Beyond this many cached tokens, expired entries are swept (unbounded distinct tokens must not grow memory). */
const SWEEP_ABOVE = 10_000;
/**
 * How long a token found unknown (or revoked, which is final) is answered as such without
 * reading the database, and how many such tokens are remembered: random bearer tokens must not
 * each cost a read, nor grow memory without bound. A token's creation is announced on the bus
 * (TOKEN_CREATED) and every replica forgets what it found unknown, as for API keys.
 */
export const UNKNOWN_TOKEN_MS = 30_000;
const UNKNOWN_TOKENS_MAX = 10_000;
/** Bus topic: a session or personal token was created. */
const TOKEN_CREATED = 'ACCESS_TOKEN_CREATED';

interface VerifiedToken {
  viewer: Viewer;
  verifiedAt: number;
  lastUsedAt: number;
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: InstanceRole;
}

export class AuthService {
  /** Tokens by hash, verified against the database: a request with a known token reads nothing. */
  private readonly verifiedTokens = new Map<string, VerifiedToken>();
  /** Access changes heard: a read that a change overtook is not kept. */
  private changes = 0;
  /** Hashes of tokens found unknown or revoked → until when that answer stands (insertion order: oldest first). */
  private readonly unknownTokens = new Map<string, number>();
  /** Token creations heard: a read that a creation overtook does not mark the token unknown. */
  private creations = 0;
  readonly throttle: LoginThrottle;
  /** Public so tests can move time on a running server. */
  clock: Clock;

  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
    this.throttle = new LoginThrottle(db, clock);
    bus.on(ACCESS_CHANGED, (payload) => this.forget(payload as AccessChange));
    bus.on(TOKEN_CREATED, () => {
      this.creations++;
      this.unknownTokens.clear();
    });
  }

  private get users() {
    return this.db.getRepository(User);
  }
  private get tokens() {
    return this.db.getRepository(AccessToken);
  }

  /**
   * Checks email and password and opens a session. Throttled per account and per client
   * `address`: after repeated failures every attempt is refused (RATE_LIMITED with
   * `retryAfterSeconds`) until the lock ends, whatever the password.
   */
  async login(email: string, password: string, address?: string): Promise<{ token: string; user: User; expiresAt: Date }> {
    const normalized = email.trim().toLowerCase();
    const attempt = await this.throttle.attempt(normalized, address);
    const user = await this.users.findOneBy({ email: normalized });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
    if (!user || !valid) throw unauthenticated('Wrong email or password');
    await attempt.succeeded();
    if (user.disabled) throw forbidden('This account is disabled; ask an instance admin to re-enable it');
    const expiresAt = new Date(this.clock.now() + SESSION_LIFETIME_MS);
    const { secret } = await this.issueToken(user.id, AccessTokenKind.session, 'session', expiresAt);
    return { token: secret, user, expiresAt };
  }

  /**
   * Resolves a bearer secret to its viewer, or null when it is unknown, revoked, expired or its
   * user disabled. A token verified in the last VERIFIED_TOKEN_MS is answered from memory, and
   * so is one found unknown or revoked in the last UNKNOWN_TOKEN_MS.
   */
  async authenticate(secret: string): Promise<Viewer | null> {
    if (!secret.startsWith('berth_ses_') && !secret.startsWith('berth_pat_')) return null;
    const hash = hashToken(secret);
    const now = this.clock.now();
    let verified = this.verifiedTokens.get(hash);
    if (!verified || now - verified.verifiedAt > VERIFIED_TOKEN_MS || now < verified.verifiedAt) {
      this.verifiedTokens.delete(hash);
      const unknownUntil = this.unknownTokens.get(hash);
      if (unknownUntil !== undefined) {
        if (now < unknownUntil && now >= unknownUntil - UNKNOWN_TOKEN_MS) return null;
        this.unknownTokens.delete(hash);
      }
      const changes = this.changes;
      const creations = this.creations;
      const token = await this.tokens.findOne({ where: { tokenHash: hash }, relations: { user: true } });
      if (!token || token.revokedAt) {
        if (creations === this.creations) this.rememberUnknown(hash, now);
        return null;
      }
      // A disabled user's token is not remembered: re-enabling the account must take effect at once.
      if (token.user.disabled) return null;
      const viewer: Viewer = { user: token.user, tokenId: token.id, tokenKind: token.kind, tokenExpiresAt: token.expiresAt };
      verified = { viewer, verifiedAt: now, lastUsedAt: token.lastUsedAt?.getTime() ?? 0 };
      if (changes === this.changes) {
        if (this.verifiedTokens.size >= SWEEP_ABOVE) this.sweep(now);
        this.verifiedTokens.set(hash, verified);
      }
    }
    const { viewer } = verified;
    if (viewer.tokenExpiresAt && viewer.tokenExpiresAt.getTime() <= now) return null;
    if (now - verified.lastUsedAt > LAST_USED_PRECISION_MS) {
      verified.lastUsedAt = now;
      await this.tokens.update(viewer.tokenId, { lastUsedAt: new Date(now) });
    }
    return viewer;
  }

  private forget(change: AccessChange): void {
    // Role-only changes leave tokens valid.
    if (change.tokenId === undefined && (change.userId === undefined || change.projectId !== undefined)) return;
    this.changes++;
    for (const [hash, { viewer }] of this.verifiedTokens) {
      if (viewer.tokenId === change.tokenId || (change.tokenId === undefined && viewer.user.id === change.userId)) this.verifiedTokens.delete(hash);
    }
  }

  private rememberUnknown(hash: string, now: number): void {
    if (this.unknownTokens.size >= UNKNOWN_TOKENS_MAX) this.unknownTokens.delete(this.unknownTokens.keys().next().value!);
    this.unknownTokens.set(hash, now + UNKNOWN_TOKEN_MS);
  }

  private sweep(now: number): void {
    for (const [hash, entry] of this.verifiedTokens) if (now - entry.verifiedAt > VERIFIED_TOKEN_MS) this.verifiedTokens.delete(hash);
  }

  /**
   * Ends the session the viewer signed in with. A personal access token is not a session: it is
   * refused with a message pointing to revokeAccessToken, so a script never believes it signed out.
   */
  async logout(viewer: Viewer): Promise<void> {
    if (viewer.tokenKind !== AccessTokenKind.session) {
      throw badInput('token', 'logout ends a session, and this request used a personal access token; revoke the token with revokeAccessToken instead');
    }
    await this.tokens.update({ id: viewer.tokenId, kind: AccessTokenKind.session }, { revokedAt: new Date(this.clock.now()) });
    await announceAccessChange(this.bus, { tokenId: viewer.tokenId });
  }

  /**
   * A personal token for the viewer's user. It never outlives the token that created it: without
   * an expiry, or with a later one, it expires with the minting token (a session: 14 days after
   * sign-in); `capped` says so.
   */
  async createPersonalToken(viewer: Viewer, name: string, expiresAt: Date | null): Promise<{ token: string; accessToken: AccessToken; capped: boolean }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw badInput('name', 'give the token a name of 1 to 100 characters');
    if (expiresAt && expiresAt.getTime() <= this.clock.now()) throw badInput('expiresAt', 'must be in the future');
    const limit = viewer.tokenExpiresAt;
    const capped = limit !== null && (expiresAt === null || expiresAt.getTime() > limit.getTime());
    const { secret, record } = await this.issueToken(viewer.user.id, AccessTokenKind.personal, trimmed, capped ? limit : expiresAt);
    return { token: secret, accessToken: record, capped };
  }

  listPersonalTokens(user: User): Promise<AccessToken[]> {
    return this.tokens.find({ where: { userId: user.id, kind: AccessTokenKind.personal }, order: { createdAt: 'DESC' } });
  }

  async revokeToken(user: User, tokenId: string): Promise<AccessToken> {
    const token = await this.tokens.findOneBy({ id: tokenId, userId: user.id });
    if (!token) throw notFound('Access token', tokenId);
    if (!token.revokedAt) {
      token.revokedAt = new Date(this.clock.now());
      await this.tokens.save(token);
    }
    // Announced before the caller hears it is revoked; each replica forgets the token as it hears it.
    await announceAccessChange(this.bus, { tokenId: token.id });
    return token;
  }

  /**
   * Changes the viewer's own password after checking the current one (throttled like a sign-in),
   * clears a forced change, and ends every other session of the user. Personal tokens keep working.
   */
  async changePassword(viewer: Viewer, currentPassword: string, newPassword: string, address?: string): Promise<User> {
    const user = await this.users.findOneByOrFail({ id: viewer.user.id });
    const attempt = await this.throttle.attempt(user.email, address);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw badInput('currentPassword', 'is not your current password');
    await attempt.succeeded();
    checkPasswordStrength(newPassword, 'newPassword', [user.email, user.name]);
    if (newPassword === currentPassword) throw badInput('newPassword', 'must differ from the current password');
    user.passwordHash = await hashPassword(newPassword);
    user.mustChangePassword = false;
    await this.db.transaction(async (tx) => {
      await tx.update(User, user.id, { passwordHash: user.passwordHash, mustChangePassword: false });
      await tx
        .createQueryBuilder()
        .update(AccessToken)
        .set({ revokedAt: new Date(this.clock.now()) })
        .where('user_id = :userId AND kind = :kind AND id <> :current AND revoked_at IS NULL', { userId: user.id, kind: AccessTokenKind.session, current: viewer.tokenId })
        .execute();
    });
    await announceAccessChange(this.bus, { userId: user.id });
    return user;
  }

  /**
   * An admin sets a new password for someone else (the given one, or a generated one that is
   * returned once). Every session of the user ends, and until they choose their own password the
   * API refuses them everything but `changePassword`, `me` and `logout` (personal tokens included).
   */
  async resetPassword(actor: User, userId: string, newPassword: string | null): Promise<{ user: User; password: string }> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw notFound('User', userId);
    if (user.id === actor.id) throw badInput('userId', 'to change your own password use changePassword');
    const password = newPassword ?? strongGeneratedPassword();
    if (newPassword !== null) checkPasswordStrength(password, 'newPassword', [user.email, user.name]);
    user.passwordHash = await hashPassword(password);
    user.mustChangePassword = true;
    await this.db.transaction(async (tx) => {
      await tx.update(User, user.id, { passwordHash: user.passwordHash, mustChangePassword: true });
      await tx
        .createQueryBuilder()
        .update(AccessToken)
        .set({ revokedAt: new Date(this.clock.now()) })
        .where('user_id = :userId AND kind = :kind AND revoked_at IS NULL', { userId: user.id, kind: AccessTokenKind.session })
        .execute();
    });
    await announceAccessChange(this.bus, { userId: user.id });
    return { user, password };
  }

  private async issueToken(userId: string, kind: AccessTokenKind, name: string, expiresAt: Date | null) {
    const { secret, prefix, hash } = generateToken(kind === AccessTokenKind.session ? 'ses' : 'pat');
    const record = await this.tokens.save(this.tokens.create({ userId, kind, name, tokenHash: hash, prefix, expiresAt }));
    // Before the caller sees the token: no replica may still answer it as unknown from memory.
    this.bus.publishLocal(TOKEN_CREATED, {});
    await this.bus.publish(TOKEN_CREATED, {});
    return { secret, record };
  }

  listUsers(): Promise<User[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  async createUser(input: NewUser): Promise<User> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw badInput('email', `"${input.email}" is not an email address`);
    const name = input.name.trim();
    if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    checkPasswordStrength(input.password, 'password', [email, name]);
    if (await this.users.existsBy({ email })) throw conflict(`A user with email ${email} already exists`);
    const passwordHash = await hashPassword(input.password);
    return this.users.save(this.users.create({ email, name, passwordHash, role: input.role }));
  }

  async setUserDisabled(actor: User, userId: string, disabled: boolean): Promise<User> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw notFound('User', userId);
    if (user.id === actor.id && disabled) throw forbidden('You cannot disable your own account');
    user.disabled = disabled;
    const saved = await this.users.save(user);
    // Every replica forgets the user's tokens (and closes their subscriptions) before this returns.
    await announceAccessChange(this.bus, { userId: user.id });
    return saved;
  }

  /**
   * Makes sure the instance has an admin: the one from BERTH_ADMIN_* when given, else a
   * generated one whose password is returned so start-up can print it once.
   */
  async ensureFirstAdmin(email: string | undefined, password: string | undefined): Promise<{ email: string; password?: string } | null> {
    if (await this.users.existsBy({ role: InstanceRole.admin, disabled: false })) {
      return null;
    }
    const chosen = { email: email ?? 'admin@berth.local', password: password ?? strongGeneratedPassword() };
    const existing = await this.users.findOneBy({ email: chosen.email });
    if (existing) {
      throw new DomainError('CONFLICT', `No enabled admin exists and ${chosen.email} is already a member; promote it in the database or set BERTH_ADMIN_EMAIL to another address`);
    }
    try {
      checkPasswordStrength(chosen.password, 'BERTH_ADMIN_PASSWORD', [chosen.email, 'Administrator']);
    } catch (error) {
      throw new DomainError('BAD_USER_INPUT', `${(error as Error).message} (or leave BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD unset to have a password generated)`);
    }
    await this.createUser({ email: chosen.email, name: 'Administrator', password: chosen.password, role: InstanceRole.admin });
    return password ? { email: chosen.email } : chosen;
  }

  /** Sessions that can no longer be used; kept out of the table so it does not grow forever. */
  async deleteExpiredSessions(): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .delete()
      .where('kind = :kind AND (expires_at < now() OR revoked_at IS NOT NULL)', { kind: AccessTokenKind.session })
      .execute();
    await this.throttle.deleteStale();
  }
}

/** A generated password that passes the policy (a random one practically always does; this makes sure). */
function strongGeneratedPassword(): string {
  for (;;) {
    const password = generatePassword();
    try {
      checkPasswordStrength(password, 'password');
      return password;
    } catch {
      // Another draw.
    }
  }
}
