import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DatasetError, inferFeatureTypes, readCsvRows } from '../../../server/ml/csv';
import { DomainError } from '../../../server/platform/errors';
import { PENGUIN_FEATURES, cars, penguins, readCsvText, toCsv } from '../../support/datasets';

async function csvError(text: string, fileName: string, maxRows?: number): Promise<DatasetError> {
  try {
    await readCsvText(text, fileName, maxRows);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error(`${fileName} was read without an error`);
}

describe('readCsvRows', () => {
  it('streams every penguin as strings, empty cells as null', async () => {
    const source = penguins();
    const columns = ['Species', ...PENGUIN_FEATURES];
    const rows = await readCsvText(toCsv(source, columns), 'penguins.csv');
    expect(rows).toHaveLength(source.length);
    expect(rows[0]).toEqual({
      Species: 'Adelie',
      Island: 'Torgersen',
      'Beak Length (mm)': '39.1',
      'Beak Depth (mm)': '18.7',
      'Flipper Length (mm)': '181',
      'Body Mass (g)': '3750',
      Sex: 'MALE',
    });
    // Row 4 of the real file has no measurements and no sex.
    expect(rows[3]).toMatchObject({ 'Beak Length (mm)': null, Sex: null });
    rows.forEach((row, i) => {
      for (const column of columns) {
        const original = source[i][column];
        expect(row[column]).toBe(original === null ? null : String(original));
      }
    });
  });

  it('reads quoted cells with commas, quotes and line breaks, trims unquoted cells and skips a BOM', async () => {
    const text = '\uFEFFname, note\n"Smith, J."," said ""hi""\nthen left"\n  plain  ,\n';
    expect(await readCsvText(text, 'quoted.csv')).toEqual([
      // Spaces inside quotes are data; spaces around unquoted cells are formatting.
      { name: 'Smith, J.', note: ' said "hi"\nthen left' },
      { name: 'plain', note: null },
    ]);
  });

  it('reads Windows line endings', async () => {
    expect(await readCsvText('a,b\r\n1,2\r\n3,\r\n', 'windows.csv')).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: null },
    ]);
  });

  it('stops reading when the consumer stops, without reading the rest', async () => {
    let pulled = 0;
    const lines = (function* () {
      yield 'a,b\n';
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield `${i},${i}\n`;
      }
    })();
    const seen: unknown[] = [];
    for await (const row of readCsvRows(Readable.from(lines), { fileName: 'long.csv' })) {
      seen.push(row);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      { a: '0', b: '0' },
      { a: '1', b: '1' },
      { a: '2', b: '2' },
    ]);
    expect(pulled).toBeLessThan(100_000);
  });

  describe('refuses bad files with an error naming the file and where', () => {
    it('an empty file', async () => {
      const error = await csvError('', 'empty.csv');
      expect(error.message).toMatch(/^empty\.csv: .*empty/);
      expect(error.file).toBe('empty.csv');
      expect(error).toBeInstanceOf(DomainError);
      expect(error.code).toBe('BAD_USER_INPUT');
    });

    it('a file of blank lines', async () => {
      expect((await csvError('\n\n  \n', 'blank.csv')).message).toMatch(/blank\.csv: .*empty/);
    });

    it('a header with no data rows', async () => {
      expect((await csvError('a,b\n', 'header-only.csv')).message).toMatch(/header-only\.csv: .*no data rows/);
    });

    it('a file without a header line', async () => {
      const error = await csvError('39.1,18.7,181\n39.5,17.4,186\n', 'no-header.csv');
      expect(error.message).toMatch(/no-header\.csv, row 0: .*39\.1, 18\.7, 181.*looks like data.*header/);
      expect(error.row).toBe(0);
    });

    it('a header with an unnamed column', async () => {
      expect((await csvError('a,,c\n1,2,3\n', 'unnamed.csv')).message).toMatch(/unnamed\.csv, row 0: column 2 .*no name/);
    });

    it('duplicate column names, naming them', async () => {
      const error = await csvError('a,b,a,c,b\n1,2,3,4,5\n', 'duplicate.csv');
      expect(error.message).toMatch(/duplicate\.csv, row 0: duplicate column names .*"a", "b"/);
    });

    it('a ragged row, naming the row and its line', async () => {
      const error = await csvError('a,b\n1,2\n"x\ny",4\n5\n', 'ragged.csv');
      // The quoted cell spans two lines: data row 3 is on line 5.
      expect(error.message).toBe('ragged.csv, row 3: has 1 values but the header has 2 columns (line 5)');
      expect(error.row).toBe(3);
    });

    it('more rows than allowed', async () => {
      const error = await csvError(toCsv(cars(), ['Name', 'Miles_per_Gallon']), 'cars.csv', 100);
      expect(error.message).toMatch(/cars\.csv, row 101: .*more than 100 rows/);
    });

    it('malformed CSV (a quote never closed)', async () => {
      expect((await csvError('a,b\n1,"two\n', 'unclosed.csv')).message).toMatch(/unclosed\.csv: is not a readable CSV file: .*quote/i);
    });

    it('a source stream that fails', async () => {
      const broken = new Readable({
        read() {
          this.push('a,b\n1,2\n');
          this.destroy(new Error('connection reset'));
        },
      });
      const read = async () => {
        for await (const _row of readCsvRows(broken, { fileName: 'upload.csv' })) void _row;
      };
      await expect(read()).rejects.toThrow(/upload\.csv: .*connection reset/);
    });
  });
});

describe('inferFeatureTypes', () => {
  it('types the penguins read from CSV', async () => {
    const rows = await readCsvText(toCsv(penguins(), ['Species', ...PENGUIN_FEATURES]), 'penguins.csv');
    const schema = inferFeatureTypes(rows, ['Species', ...PENGUIN_FEATURES]);
    expect(schema).toEqual([
      { name: 'Species', type: 'categorical', nullable: false, categories: ['Adelie', 'Chinstrap', 'Gentoo'] },
      { name: 'Island', type: 'categorical', nullable: false, categories: ['Biscoe', 'Dream', 'Torgersen'] },
      { name: 'Beak Length (mm)', type: 'numeric', nullable: true },
      { name: 'Beak Depth (mm)', type: 'numeric', nullable: true },
      { name: 'Flipper Length (mm)', type: 'numeric', nullable: true },
      { name: 'Body Mass (g)', type: 'numeric', nullable: true },
      // The real file has one penguin whose sex is ".".
      { name: 'Sex', type: 'categorical', nullable: true, categories: ['.', 'FEMALE', 'MALE'] },
    ]);
  });

  it('gives the same types to JSON rows and their CSV text', async () => {
    const columns = ['Name', 'Miles_per_Gallon', 'Cylinders', 'Horsepower', 'Year', 'Origin'];
    const json = cars();
    const csv = await readCsvText(toCsv(json, columns), 'cars.csv');
    expect(inferFeatureTypes(json, columns)).toEqual(inferFeatureTypes(csv, columns));
    expect(inferFeatureTypes(json, columns).map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['Name', 'categorical', false],
      ['Miles_per_Gallon', 'numeric', true],
      ['Cylinders', 'numeric', false],
      ['Horsepower', 'numeric', true],
      ['Year', 'categorical', false],
      ['Origin', 'categorical', false],
    ]);
  });

  it('calls a column numeric from 95 % numbers, boolean only when every value is a yes/no word', () => {
    const numbers = Array.from({ length: 19 }, (_, i) => ({ x: String(i + 2), flag: i % 2 ? 'Yes' : 'no', bits: i % 2 }));
    const oneText = [...numbers, { x: 'n/a', flag: 'TRUE', bits: 1 }];
    const twoText = [...oneText, { x: 'unknown', flag: 'maybe', bits: 2 }];
    expect(inferFeatureTypes(oneText, ['x', 'flag', 'bits']).map((f) => f.type)).toEqual(['numeric', 'boolean', 'boolean']);
    expect(inferFeatureTypes(twoText, ['x', 'flag', 'bits']).map((f) => f.type)).toEqual(['categorical', 'categorical', 'numeric']);
  });

  it('marks a column nullable when a value is missing, blank or the key is absent', () => {
    const schema = inferFeatureTypes([{ a: 1, b: 'x', c: true }, { a: 2, b: '  ', c: false }, { b: 'y', c: true }], ['a', 'b', 'c']);
    expect(schema.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['a', 'numeric', true],
      ['b', 'categorical', true],
      ['c', 'boolean', false],
    ]);
  });
});
