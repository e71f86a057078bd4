import { pipeline } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import type { FeatureSchema, Row } from './types';
import { DatasetError } from './errors';
import { compareText, isMissing, parseBoolean, parseCategory, parseNumber } from './values';

export { DatasetError } from './errors';

/** A row read from a CSV file: every value a string, empty cells null. */
export type CsvRow = Record<string, string | null>;

/** How to read one uploaded file. */
export interface ReadCsvOptions {
  /** Used in every error message, so users know which upload is wrong. */
  fileName: string;
  /** Reading stops with an error on the first data row past this many. */
  maxRows?: number;
}

/** Share of non-missing values that must parse as numbers for a column to be numeric. */
export const NUMERIC_SHARE = 0.95;
/** Categories kept on an inferred categorical feature; rarer ones fall to the unknown slot. */
export const MAX_CATEGORIES = 100;

/**
 * Streams the data rows of a CSV file with a header line. Values stay strings (types are
 * decided later, on a sample, by `inferFeatureTypes`); empty cells become null; cells are
 * trimmed. Row numbers in errors count data records from 1 (the header is row 0), with the
 * file line alongside because quoted cells may span lines.
 *
 * Throws `DatasetError` for an empty file, a missing header, duplicate column names, a row
 * with the wrong number of values, more than `maxRows` rows, or malformed CSV.
 */
export async function* readCsvRows(input: NodeJS.ReadableStream, options: ReadCsvOptions): AsyncGenerator<CsvRow> {
  const file = options.fileName;
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
  // pipeline forwards a failing source (a broken upload) into the parser, so the loop sees it.
  pipeline(input, parser, () => undefined);

  let columns: string[] | undefined;
  let row = 0;
  try {
    for await (const chunk of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { record, info } = chunk;
      if (columns === undefined) {
        columns = checkHeader(record, file);
        continue;
      }
      row++;
      if (options.maxRows !== undefined && row > options.maxRows) {
        throw new DatasetError({ file, row }, `the file has more than ${options.maxRows} rows, the most one dataset may have`);
      }
      if (record.length !== columns.length) {
        throw new DatasetError(
          { file, row },
          `has ${record.length} values but the header has ${columns.length} columns (line ${info.lines})`,
        );
      }
      yield Object.fromEntries(columns.map((column, i) => [column, record[i] === '' ? null : record[i]!]));
    }
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError({ file }, `is not a readable CSV file: ${(error as Error).message}`);
  } finally {
    parser.destroy();
  }
  if (columns === undefined) throw new DatasetError({ file }, 'the file is empty: expected a header line and data rows');
  if (row === 0) throw new DatasetError({ file }, 'the file has a header but no data rows');
}

function checkHeader(header: string[], file: string): string[] {
  const blank = header.findIndex((name) => name === '');
  if (blank >= 0) {
    throw new DatasetError({ file, row: 0 }, `column ${blank + 1} of the header has no name; every column needs a name`);
  }
  if (header.every((name) => parseNumber(name) !== undefined)) {
    throw new DatasetError(
      { file, row: 0 },
      `the first line (${header.slice(0, 3).join(', ')}${header.length > 3 ? ', …' : ''}) looks like data, not a header; add a line with the column names`,
    );
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of header) (seen.has(name) ? duplicates : seen).add(name);
  if (duplicates.size > 0) {
    const names = [...duplicates].map((name) => `"${name}"`).join(', ');
    throw new DatasetError({ file, row: 0 }, `duplicate column names in the header: ${names}; every column needs its own name`);
  }
  return header;
}

/**
 * Guesses each column's type from a sample of rows. A column is boolean when every present
 * value is one of true/false/yes/no/0/1 (or a JSON boolean), numeric when at least 95 % of
 * present values are numbers, else categorical (with its most frequent categories, sorted).
 * Nullable when any sampled value is missing.
 */
export function inferFeatureTypes(sample: Row[], columns: string[]): FeatureSchema[] {
  return columns.map((name) => {
    const present: unknown[] = [];
    for (const row of sample) if (!isMissing(row[name])) present.push(row[name]);
    const nullable = present.length < sample.length;
    if (present.length > 0 && present.every((value) => parseBoolean(value) !== undefined)) {
      return { name, type: 'boolean', nullable };
    }
    const numbers = present.filter((value) => parseNumber(value) !== undefined).length;
    if (present.length > 0 && numbers >= NUMERIC_SHARE * present.length) return { name, type: 'numeric', nullable };
    return { name, type: 'categorical', nullable, categories: frequentCategories(present, MAX_CATEGORIES) };
  });
}

/** The `limit` most frequent categories among `values`, in code-point order. */
export function frequentCategories(values: Iterable<unknown>, limit: number): string[] {
  const counts = new Map<string, number>();
  for (const value of values) {
    const category = parseCategory(value);
    if (category !== undefined && category !== '') counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, ca], [b, cb]) => cb - ca || compareText(a, b))
    .slice(0, limit)
    .map(([category]) => category)
    .sort(compareText);
}
