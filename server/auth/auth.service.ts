import type { DataSource } from 'typeorm';
import { badInput, conflict, DomainError, forbidden, notFound, unauthenticated } from '../platform/errors';
import { AccessToken, AccessTokenKind } from './access-token.entity';
import { InstanceRole, User } from './user.entity';
import { decoyPasswordHash, generatePassword, generateToken, hashPassword, hashToken, MIN_PASSWORD_LENGTH, verifyPassword } from './credentials';

/** Who is calling: the user and the token that proved it. */
export interface Viewer {
  user: User;
  tokenId: string;
}

const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** `last_used_at` is written at most this often per token, not on every request. */
const LAST_USED_PRECISION_MS = 60 * 1000;

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: InstanceRole;
}

export class AuthService {
  constructor(private readonly db: DataSource) {}

  private get users() {
    return this.db.getRepository(User);
  }
  private get tokens() {
    return this.db.getRepository(AccessToken);
  }

  /** Checks email and password and opens a session. */
  async login(email: string, password: string): Promise<{ token: string; user: User; expiresAt: Date }> {
    const user = await this.users.findOneBy({ email: email.trim().toLowerCase() });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
    if (!user || !valid) throw unauthenticated('Wrong email or password');
    if (user.disabled) throw forbidden('This account is disabled; ask an instance admin to re-enable it');
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
    const { secret } = await this.issueToken(user.id, AccessTokenKind.session, 'session', expiresAt);
    return { token: secret, user, expiresAt };
  }

  /** Resolves a bearer secret to its viewer, or null when it is unknown, revoked, expired or its user disabled. */
  async authenticate(secret: string): Promise<Viewer | null> {
    if (!secret.startsWith('berth_')) return null;
    const token = await this.tokens.findOne({ where: { tokenHash: hashToken(secret) }, relations: { user: true } });
    const now = Date.now();
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= now) || token.user.disabled) return null;
    if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await this.tokens.update(token.id, { lastUsedAt: new Date(now) });
    }
    return { user: token.user, tokenId: token.id };
  }

  async logout(viewer: Viewer): Promise<void> {
    await this.tokens.update({ id: viewer.tokenId, kind: AccessTokenKind.session }, { revokedAt: new Date() });
  }

  async createPersonalToken(user: User, name: string, expiresAt: Date | null): Promise<{ token: string; accessToken: AccessToken }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw badInput('name', 'give the token a name of 1 to 100 characters');
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw badInput('expiresAt', 'must be in the future');
    const { secret, record } = await this.issueToken(user.id, AccessTokenKind.personal, trimmed, expiresAt);
    return { token: secret, accessToken: record };
  }

  listPersonalTokens(user: User): Promise<AccessToken[]> {
    return this.tokens.find({ where: { userId: user.id, kind: AccessTokenKind.personal }, order: { createdAt: 'DESC' } });
  }

  async revokeToken(user: User, tokenId: string): Promise<AccessToken> {
    const token = await this.tokens.findOneBy({ id: tokenId, userId: user.id });
    if (!token) throw notFound('Access token', tokenId);
    if (!token.revokedAt) {
      token.revokedAt = new Date();
      await this.tokens.save(token);
    }
    return token;
  }

  private async issueToken(userId: string, kind: AccessTokenKind, name: string, expiresAt: Date | null) {
    const { secret, prefix, hash } = generateToken(kind === AccessTokenKind.session ? 'ses' : 'pat');
    const record = await this.tokens.save(this.tokens.create({ userId, kind, name, tokenHash: hash, prefix, expiresAt }));
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
    if (input.password.length < MIN_PASSWORD_LENGTH) throw badInput('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
    if (await this.users.existsBy({ email })) throw conflict(`A user with email ${email} already exists`);
    const passwordHash = await hashPassword(input.password);
    return this.users.save(this.users.create({ email, name, passwordHash, role: input.role }));
  }

  async setUserDisabled(actor: User, userId: string, disabled: boolean): Promise<User> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw notFound('User', userId);
    if (user.id === actor.id && disabled) throw forbidden('You cannot disable your own account');
    user.disabled = disabled;
    return this.users.save(user);
  }

  /**
   * Makes sure the instance has an admin: the one from BERTH_ADMIN_* when given, else a
   * generated one whose password is returned so start-up can print it once.
   */
  async ensureFirstAdmin(email: string | undefined, password: string | undefined): Promise<{ email: string; password?: string } | null> {
    if (await this.users.existsBy({ role: InstanceRole.admin, disabled: false })) {
      return null;
    }
    const chosen = { email: email ?? 'admin@berth.local', password: password ?? generatePassword() };
    const existing = await this.users.findOneBy({ email: chosen.email });
    if (existing) {
      throw new DomainError('CONFLICT', `No enabled admin exists and ${chosen.email} is already a member; promote it in the database or set BERTH_ADMIN_EMAIL to another address`);
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
  }
}
