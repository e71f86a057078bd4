import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvLine } from '../platform/csv';

/** Appends CSV lines to a file, waiting for the disk when its buffer is full (bounded memory). */
export class CsvFileWriter {
  private readonly stream: WriteStream;

  constructor(readonly path: string, header: string[]) {
    // A chunk of rows is ~100 KiB of CSV: with the default 16 KiB buffer every chunk would wait for the disk.
    this.stream = createWriteStream(path, { highWaterMark: 4 * 2 ** 20 });
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
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
  }
}
