import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** One CSV line: quoted where needed, null and undefined as empty cells. */
export function csvLine(values: unknown[]): string {
  return (
    values
      .map((value) => {
        if (value === null || value === undefined) return '';
        const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
        return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\n'
  );
}

/** Appends CSV lines to a file, waiting for the disk when its buffer is full (bounded memory). */
export class CsvFileWriter {
  private readonly stream: WriteStream;

  constructor(readonly path: string, header: string[]) {
    this.stream = createWriteStream(path);
    this.stream.write(csvLine(header));
  }

  async write(values: unknown[]): Promise<void> {
    if (!this.stream.write(csvLine(values))) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'close');
  }
}
