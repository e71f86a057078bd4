import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvLine } from '../platform/csv';

/** Appends CSV lines to a file, waiting for the disk when its buffer is full (bounded memory). */
export class CsvFileWriter {
  private readonly stream: WriteStream;

  constructor(readonly path: string, header: string[]) {
    this.stream = createWriteStream(path);
    this.stream.write(csvLine(header));
  }

  async write(values: unknown[]): Promise<void> {
    return this.writeLines([values]);
  }

  /** Many lines in one write: one string and one stream call per chunk of rows. */
  async writeLines(lines: unknown[][]): Promise<void> {
    if (!this.stream.write(lines.map(csvLine).join(''))) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
  }
}
