import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The instance secret must be at least this long: it is the only key material. */
export const MIN_SECRET_LENGTH = 32;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored value could not be opened: wrong key, altered value or not a box at all. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * Encrypts small secrets (connector passwords) at rest with AES-256-GCM. The key is derived
 * from the instance secret (BERTH_SECRET) with HKDF-SHA256 so the same instance secret can
 * key other purposes under another `info` without reusing a key. A box is one string:
 * `v1:<iv b64>:<tag b64>:<ciphertext b64>`; the version prefix leaves room to rotate.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(instanceSecret: string, info = 'berth:connectors') {
    if (typeof instanceSecret !== 'string' || instanceSecret.length < MIN_SECRET_LENGTH) {
      throw new Error(`BERTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters to encrypt connector credentials`);
    }
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(instanceSecret, 'utf8'), Buffer.alloc(0), info, 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
  }

  /** Throws `SecretBoxError` when the box is malformed, or was sealed with another key or altered. */
  decrypt(box: string): string {
    const parts = typeof box === 'string' ? box.split(':') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretBoxError(`not an encrypted secret of this Berth version (expected "${VERSION}:<iv>:<tag>:<ciphertext>")`);
    }
    const [, ivText, tagText, ciphertextText] = parts;
    const iv = strictBase64(ivText);
    const tag = strictBase64(tagText);
    const ciphertext = strictBase64(ciphertextText);
    if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
      throw new SecretBoxError('the encrypted secret is malformed (bad IV, tag or ciphertext encoding)');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the encrypted secret cannot be decrypted: it was encrypted with another BERTH_SECRET, or it was altered');
    }
  }
}

/** Decodes base64 only when it round-trips: Buffer.from silently skips invalid characters. */
function strictBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
