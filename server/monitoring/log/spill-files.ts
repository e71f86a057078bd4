import { readFileSync } from 'node:fs';

/** The spill files' line format: what a writer keeps on disk beyond its memory, read back in order. */

/** A spill file line: the message's row count, a tab, the message (JSON never starts with a digit). */
export function spillLine(json: string, rows: number): string {
  return `${rows}\t${json}\n`;
}

export function spillMessage(line: string): { rows: number; json: string } {
  const tab = line.indexOf('\t');
  return { rows: Number(line.slice(0, tab)), json: line.slice(tab + 1) };
}

/** Rows in a spill file, from its lines' counts; throws on a line that is not a spilled message. */
export function spillFileRows(file: string): number {
  let rows = 0;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line) return;
      const message = spillMessage(line);
      if (!(Number.isInteger(message.rows) && message.rows > 0 && message.json.startsWith('{'))) throw new Error(`line ${i + 1} is not a spilled message`);
      rows += message.rows;
    });
  return rows;
}

