import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Argon2id with OWASP's recommended minimum: 19 MiB, 2 passes. */
/** `Algorithm.Argon2id`, a const enum that isolated modules cannot read. */
const ARGON2ID = 2;
const ARGON2 = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, ARGON2);
export const verifyPassword = (passwordHash: string, password: string) => verify(passwordHash, password).catch(() => false);

/** A hash of a password nobody has, to verify against when the email is unknown (same timing). */
let decoy: Promise<string> | undefined;
export const decoyPasswordHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

export type TokenFamily = 'ses' | 'pat' | 'key';

/** A new bearer secret: recognisable prefix, 256 random bits. */
export function generateToken(family: TokenFamily): { secret: string; prefix: string; hash: string } {
  const secret = `berth_${family}_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, 14), hash: hashToken(secret) };
}

export const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** 16 characters of base64url (96 random bits): passes the password policy. */
export const generatePassword = () => randomBytes(12).toString('base64url');
