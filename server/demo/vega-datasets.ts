import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Row } from '../ml/types';
import { csvLine } from '../platform/csv';

const require = createRequire(import.meta.url);
// The package exports only its JS entry (build/index.js); the data folder sits beside build/.
const DATA_DIR = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data');

/** Records of a data set shipped in the vega-datasets package (`penguins`, `cars`, …): nothing is downloaded. */
export function vegaRecords(name: string): Row[] {
  return JSON.parse(readFileSync(path.join(DATA_DIR, `${name}.json`), 'utf8')) as Row[];
}

/** CSV text of rows as any spreadsheet would write it: numbers in their shortest form, null as an empty cell. */
export function toCsv(rows: Row[], columns: string[]): string {
  return csvLine(columns) + rows.map((row) => csvLine(columns.map((column) => row[column]))).join('');
}
