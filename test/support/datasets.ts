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
