import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvFileWriter } from '../../../server/pipelines/csv-writer';
import { letTimePass } from '../../support/wait';

describe('result file writer', () => {
  it('writes the header and rows, and names its hash and size', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'berth-csv-')), 'main.csv');
    const writer = new CsvFileWriter(file, ['a', 'b']);
    await writer.writeLines([[1, 'x,y']]);
    const stored = await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('a,b\n1,"x,y"\n');
    expect(stored.size).toBe(readFileSync(file).byteLength);
  });

  it('reports a disk that refuses the file as an error of the run, not a crash of the process', async () => {
    const writer = new CsvFileWriter(path.join(os.tmpdir(), 'berth-no-such-folder', 'x', 'main.csv'), ['a']);
    // The error comes while nobody waits on the file (between two chunks of a run).
    await letTimePass(50);
    await expect(writer.writeLines([[1]]).then(() => writer.close())).rejects.toThrow(/ENOENT/);
  });
});
