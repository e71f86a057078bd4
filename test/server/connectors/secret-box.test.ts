import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../../../server/connectors/secret-box';

const SECRET = 'a-test-instance-secret-of-at-least-32-characters';

describe('SecretBox', () => {
  const box = new SecretBox(SECRET);

  it('round-trips secrets, each time with a fresh IV, as one v1:<iv>:<tag>:<ciphertext> string', () => {
    for (const secret of ['hunter2', '', 'pässwörd with spaces & ümlauts 🔑', 'x'.repeat(1000)]) {
      const sealed = box.encrypt(secret);
      expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
      expect(box.decrypt(sealed)).toBe(secret);
    }
    const [a, b] = [box.encrypt('same'), box.encrypt('same')];
    expect(a).not.toBe(b);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    expect(Buffer.from(a.split(':')[1], 'base64')).toHaveLength(12);
    expect(a).not.toContain(Buffer.from('same').toString('base64'));
  });

  it('refuses a value sealed under another BERTH_SECRET (or another purpose) with a clear error', () => {
    const sealed = box.encrypt('hunter2');
    expect(() => new SecretBox(SECRET + '-rotated').decrypt(sealed)).toThrow(SecretBoxError);
    expect(() => new SecretBox(SECRET + '-rotated').decrypt(sealed)).toThrow(/encrypted with another BERTH_SECRET, or it was altered/);
    expect(() => new SecretBox(SECRET, 'berth:something-else').decrypt(sealed)).toThrow(/another BERTH_SECRET/);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const sealed = box.encrypt('correct horse battery staple');
    const [version, iv, tag, ciphertext] = sealed.split(':');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };
    for (const tampered of [
      [version, iv, tag, flip(ciphertext)],
      [version, iv, flip(tag), ciphertext],
      [version, flip(iv), tag, ciphertext],
    ]) {
      expect(() => box.decrypt(tampered.join(':'))).toThrow(/cannot be decrypted.*altered/);
    }
    expect(() => box.decrypt([version, iv, tag.slice(0, 8), ciphertext].join(':'))).toThrow(/malformed/);
    expect(() => box.decrypt([version, iv, tag, ciphertext + '!'].join(':'))).toThrow(/malformed/);
    expect(() => box.decrypt('hunter2')).toThrow(/not an encrypted secret/);
    expect(() => box.decrypt(['v2', iv, tag, ciphertext].join(':'))).toThrow(/expected "v1:/);
  });

  it('needs an instance secret of at least 32 characters', () => {
    expect(() => new SecretBox('too-short')).toThrow(/BERTH_SECRET must be at least 32 characters/);
    expect(() => new SecretBox('x'.repeat(32))).not.toThrow();
  });
});
