import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * BERTH_SECRET when set; else a secret generated once into the data folder, so a local
 * instance keeps what it encrypted across restarts. Replicas must share BERTH_SECRET.
 */
export async function resolveSecret(configured: string | undefined, dataDir: string): Promise<{ secret: string; generated: boolean }> {
  if (configured) return { secret: configured, generated: false };
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return { secret: (await readFile(file, 'utf8')).trim(), generated: false };
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return { secret, generated: true };
}
