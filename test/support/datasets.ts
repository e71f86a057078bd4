import { Readable } from 'node:stream';
import { readCsvRows } from '../../server/ml/csv';
import type { FeatureSchema, Row } from '../../server/ml/types';
import { toCsv, vegaRecords } from '../../server/demo/vega-datasets';

export { toCsv, vegaRecords };

export const PENGUIN_FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];

/** Penguins with a species, as CSV with the target first. */
export const penguinsCsv = () => toCsv(vegaRecords('penguins').filter((r) => r.Species), ['Species', ...PENGUIN_FEATURES]);

/** POSTs a CSV to the dataset upload route as multipart/form-data. */
export async function uploadCsv(url: string, projectId: string, fileName: string, csv: string, token: string) {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), fileName);
  const response = await fetch(`${url}/api/v1/projects/${projectId}/datasets`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

export const CAR_FEATURES = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'];

export const loadJson = vegaRecords;

/** Penguins with a species (all 344 have one; the filter is what the brief asks of users). */
export function penguins(): Row[] {
  return loadJson('penguins').filter((row) => row.Species !== null && row.Species !== undefined);
}

export function cars(): Row[] {
  return loadJson('cars');
}

export const penguinSchema: FeatureSchema[] = [
  { name: 'Island', type: 'categorical', nullable: false },
  { name: 'Beak Length (mm)', type: 'numeric', nullable: true },
  { name: 'Beak Depth (mm)', type: 'numeric', nullable: true },
  { name: 'Flipper Length (mm)', type: 'numeric', nullable: true },
  { name: 'Body Mass (g)', type: 'numeric', nullable: true },
  { name: 'Sex', type: 'categorical', nullable: true },
];

export const carSchema: FeatureSchema[] = [
  { name: 'Cylinders', type: 'numeric', nullable: false },
  { name: 'Displacement', type: 'numeric', nullable: false },
  { name: 'Horsepower', type: 'numeric', nullable: true },
  { name: 'Weight_in_lbs', type: 'numeric', nullable: false },
  { name: 'Acceleration', type: 'numeric', nullable: false },
  { name: 'Origin', type: 'categorical', nullable: false },
];

export async function readCsvText(text: string, fileName: string, maxRows?: number): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of readCsvRows(Readable.from([Buffer.from(text)]), { fileName, maxRows })) rows.push(row);
  return rows;
}

export function pick(row: Row, columns: string[]): Row {
  return Object.fromEntries(columns.map((column) => [column, row[column]]));
}
