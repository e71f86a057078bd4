import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { StoredArtifact } from '../platform/artifacts/artifact-store';
import { csvLine } from '../platform/csv';

/**
 * Appends CSV lines to a file, waiting for the disk when its buffer is full (bounded memory), and
 * hashes what it writes, so the artifact store can take the finished file without reading it again.
 */
export class CsvFileWriter {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private size = 0;
  /** What the disk refused (a full disk, a missing folder): the next write or close throws it. */
  private failure: Error | undefined;

  constructor(readonly path: string, header: string[]) {
    // A chunk of rows is ~100 KiB of CSV: with the default 16 KiB buffer every chunk would wait for the disk.
    this.stream = createWriteStream(path, { highWaterMark: 4 * 2 ** 20 });
    // Without a listener a write error would be thrown where nothing catches it, and end the process.
    this.stream.on('error', (error) => (this.failure ??= error));
    this.hash.update(csvLine(header));
    this.size += Buffer.byteLength(csvLine(header));
    this.stream.write(csvLine(header));
  }

  async write(values: unknown[]): Promise<void> {
    return this.writeLines([values]);
  }

  /** Many lines in one write: one string and one stream call per chunk of rows. */
  writeLines(lines: unknown[][]): Promise<void> {
    return this.writeText(lines.map(csvLine).join(''));
  }

  /** Lines already formatted as CSV. */
  async writeText(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(text);
    this.size += Buffer.byteLength(text);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Ends the file; its hash and size, as the artifact store keys it. */
  async close(): Promise<StoredArtifact> {
    if (!this.stream.closed) {
      this.stream.end();
      await once(this.stream, 'close');
    }
    if (this.failure) throw this.failure;
    return { sha256: this.hash.digest('hex'), size: this.size };
  }
}

const PROBABILITY_DECIMALS = 9;
const PROBABILITY_SCALE = 10 ** PROBABILITY_DECIMALS;

/**
 * A probability as a CSV cell with at most 9 decimals ("0.25", "0.912345678"). The models compute
 * in 32-bit floats (about 7 significant digits), so nothing real is lost; and formatting an
 * integer is several times cheaper than the shortest form of a double, which a run pays for
 * every class of every row.
 */
export function probabilityCell(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '';
  const scaled = Math.round(p * PROBABILITY_SCALE);
  if (scaled <= 0) return '0';
  if (scaled >= PROBABILITY_SCALE) return '1';
  let digits = String(scaled);
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48 /* 0 */) end--;
  digits = digits.slice(0, end);
  return `0.${'0'.repeat(PROBABILITY_DECIMALS - String(scaled).length)}${digits}`;
}

