/**
 * Reads what the web form needs from a deployment's OpenAPI document
 * (GET /api/v1/deployments/{slug}/openapi.json): the fields of a row, the example row and
 * what the model predicts.
 */

export type FieldKind = 'number' | 'integer' | 'boolean' | 'string';

export interface FormField {
  name: string;
  kind: FieldKind;
  nullable: boolean;
  required: boolean;
  /** Values seen in training, for categorical features. */
  categories: string[] | null;
  description: string | null;
  minimum: number | null;
  maximum: number | null;
}

export interface PredictForm {
  title: string;
  description: string | null;
  version: string | null;
  predictPath: string;
  target: string | null;
  /** Class labels for classification; null for regression. */
  labels: string[] | null;
  fields: FormField[];
  example: Record<string, unknown>;
  /** Whether fields beyond the schema are accepted (best_effort). */
  additionalProperties: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const get = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** "Seen in training: Biscoe, Dream, Torgersen; other values …" → the values. */
function categoriesIn(description: string | null): string[] | null {
  const match = description?.match(/Seen in training:\s*(.*?)(?:;|$)/);
  if (!match?.[1]) return null;
  const values = match[1].split(',').map((value) => value.trim()).filter(Boolean);
  return values.length > 0 ? values : null;
}

function fieldOf(name: string, schema: unknown, required: boolean): FormField {
  const declared = get(schema, 'type');
  const types = Array.isArray(declared) ? declared.map(String) : typeof declared === 'string' ? [declared] : ['string'];
  const kind = (['number', 'integer', 'boolean', 'string'] as const).find((candidate) => types.includes(candidate)) ?? 'string';
  const description = typeof get(schema, 'description') === 'string' ? (get(schema, 'description') as string) : null;
  const enumValues = get(schema, 'enum');
  const categories = Array.isArray(enumValues) ? enumValues.filter((value): value is string => typeof value === 'string') : categoriesIn(description);
  return {
    name,
    kind,
    nullable: types.includes('null'),
    required,
    categories: kind === 'string' ? categories : null,
    description,
    // The training range, a hint from Berth's OpenAPI document (values outside it are accepted).
    minimum: asNumber((get(schema, 'x-training-range') as unknown[] | undefined)?.[0]),
    maximum: asNumber((get(schema, 'x-training-range') as unknown[] | undefined)?.[1]),
  };
}

export function readPredictForm(document: unknown): PredictForm {
  const paths = get(document, 'paths');
  const predictPath = isObject(paths) ? Object.keys(paths).find((path) => path.endsWith('/predict')) : undefined;
  if (!predictPath) throw new Error('The deployment’s OpenAPI document has no predict route');
  const post = get(paths, predictPath, 'post');
  const row = get(document, 'components', 'schemas', 'Row');
  const properties = get(row, 'properties');
  if (!isObject(properties)) throw new Error('The deployment’s OpenAPI document describes no row');
  const required = new Set(Array.isArray(get(row, 'required')) ? (get(row, 'required') as unknown[]).map(String) : []);
  const prediction = get(post, 'responses', '200', 'content', 'application/json', 'schema', 'properties', 'predictions', 'items', 'properties');
  const labels = get(prediction, 'prediction', 'enum');
  const example = get(post, 'requestBody', 'content', 'application/json', 'example', 'inputs');
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  return {
    title: text(get(document, 'info', 'title')) ?? 'Prediction',
    description: text(get(document, 'info', 'description')),
    version: text(get(document, 'info', 'version')),
    predictPath,
    target: text(get(prediction, 'prediction', 'description')),
    labels: Array.isArray(labels) ? labels.map(String) : null,
    fields: Object.entries(properties).map(([name, schema]) => fieldOf(name, schema, required.has(name))),
    example: isObject(example) ? example : {},
    additionalProperties: get(row, 'additionalProperties') === true,
  };
}

export type FormValues = Record<string, string | boolean>;

/** The example row as form values: numbers and texts as strings, missing values empty. */
export function valuesFrom(form: PredictForm, row: Record<string, unknown>): FormValues {
  return Object.fromEntries(
    form.fields.map((field) => {
      const value = row[field.name];
      if (field.kind === 'boolean') return [field.name, value === true];
      return [field.name, value === null || value === undefined ? '' : String(value)];
    }),
  );
}

/** Form values → a JSON row: empty values become null (or are left out when they may not be null). */
export function rowFrom(form: PredictForm, values: FormValues): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const field of form.fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') {
      row[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') {
      if (field.nullable) row[field.name] = null;
      continue;
    }
    row[field.name] = field.kind === 'number' || field.kind === 'integer' ? Number(text) : text;
  }
  return row;
}
