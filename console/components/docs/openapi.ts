/**
 * Reads what the documentation page shows out of a deployment's OpenAPI document
 * (GET /api/v1/deployments/{slug}/openapi.json, built by server/serving/openapi.ts). The document
 * is JSON from the server, so every field is checked rather than trusted.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): JsonObject => (isObject(value) ? value : {});

/** One input feature of a row. */
export interface FeatureDoc {
  name: string;
  /** JSON types the value may have, "null" excluded. */
  type: string;
  nullable: boolean;
  required: boolean;
  description?: string;
}

/** One field of the response (or of one prediction). */
export interface FieldDoc {
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

export interface ErrorStatusDoc {
  status: string;
  description: string;
}

export interface PredictApiDoc {
  title: string;
  version?: string;
  description?: string;
  summary?: string;
  /** Absolute URL of the predict route. */
  url: string;
  path: string;
  /** No credentials needed. */
  isPublic: boolean;
  /** False: unknown fields are refused (strict validation). */
  acceptsUnknownFields: boolean;
  features: FeatureDoc[];
  /** The example request body, `{"inputs": {…}}`. */
  exampleBody: JsonObject;
  responseFields: FieldDoc[];
  predictionFields: FieldDoc[];
  /** Class labels (classification), in the order of the model's output. */
  labels: string[] | null;
  target?: string;
  errors: ErrorStatusDoc[];
  errorFields: FieldDoc[];
}

/** The component a local `$ref` points at. */
function resolve(document: JsonObject, schema: unknown): JsonObject {
  const ref = str(obj(schema).$ref);
  if (!ref?.startsWith('#/')) return obj(schema);
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) node = obj(node)[part];
  return obj(node);
}

/** A readable type: `number`, `string (Adelie | Gentoo)`, `array of Issue`, `Row or array of Row`. */
export function describeType(document: JsonObject, raw: unknown): string {
  const schema = obj(raw);
  const ref = str(schema.$ref);
  if (ref) return ref.split('/').pop() ?? 'object';
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map((s) => describeType(document, s)).join(' or ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === 'string' && t !== 'null');
  const base = types.join(' | ') || 'any';
  if (Array.isArray(schema.enum)) return `${base}: ${schema.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  if (base === 'array') return `array of ${describeType(document, schema.items)}`;
  if (base === 'object' && isObject(schema.properties)) {
    const names = Object.keys(schema.properties);
    return names.length ? `object { ${names.join(', ')} }` : 'object';
  }
  if (base === 'number' && (typeof schema.minimum === 'number' || typeof schema.maximum === 'number')) return `number (${schema.minimum ?? '…'} to ${schema.maximum ?? '…'})`;
  return base;
}

function fieldsOf(document: JsonObject, raw: unknown): FieldDoc[] {
  const schema = resolve(document, raw);
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  return Object.entries(obj(schema.properties)).map(([name, property]) => {
    const p = obj(property);
    const nested = isObject(p) && !p.$ref && !p.type && !p.enum ? 'object' : null;
    return { name, type: nested ?? describeType(document, p), required: required.includes(name), description: str(p.description) };
  });
}

export class OpenApiError extends Error {}

export function readPredictApi(raw: unknown, origin: string): PredictApiDoc {
  if (!isObject(raw) || typeof raw.openapi !== 'string') throw new OpenApiError('The server did not send an OpenAPI document.');
  const document = raw;
  const info = obj(document.info);
  const paths = obj(document.paths);
  const path = Object.keys(paths).find((p) => p.endsWith('/predict'));
  if (!path) throw new OpenApiError('The OpenAPI document has no predict route.');
  const post = obj(obj(paths[path]).post);
  const request = obj(obj(obj(post.requestBody).content)['application/json']);
  const responses = obj(post.responses);
  const ok = obj(obj(obj(responses['200']).content)['application/json']);

  const row = resolve(document, obj(document.components).schemas ? obj(obj(document.components).schemas).Row : undefined);
  const required = Array.isArray(row.required) ? row.required.filter((r): r is string => typeof r === 'string') : [];
  const features: FeatureDoc[] = Object.entries(obj(row.properties)).map(([name, property]) => {
    const p = obj(property);
    const types = Array.isArray(p.type) ? p.type : [p.type];
    return {
      name,
      type: types.filter((t): t is string => typeof t === 'string' && t !== 'null').join(' | ') || 'any',
      nullable: types.includes('null'),
      required: required.includes(name),
      description: str(p.description),
    };
  });

  const okSchema = resolve(document, ok.schema);
  const predictionsSchema = obj(obj(okSchema.properties).predictions);
  const predictionSchema = resolve(document, predictionsSchema.items);
  const prediction = obj(obj(predictionSchema.properties).prediction);
  const labels = Array.isArray(prediction.enum) ? prediction.enum.map(String) : null;

  const errors = Object.entries(responses)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, response]) => ({ status, description: str(obj(response).description) ?? '' }))
    .sort((a, b) => a.status.localeCompare(b.status));
  const firstError = Object.entries(responses).find(([status]) => !status.startsWith('2'))?.[1];
  const errorSchema = obj(obj(obj(obj(firstError).content)['application/json']).schema);

  const servers = Array.isArray(document.servers) ? document.servers : [];
  const server = str(obj(servers[0]).url)?.replace(/\/+$/, '') || origin;
  const security = Array.isArray(document.security) ? document.security : Array.isArray(post.security) ? post.security : [];
  const example = obj(request.example);

  return {
    title: str(info.title) ?? 'Prediction API',
    version: str(info.version),
    description: str(info.description),
    summary: str(post.summary),
    url: `${server}${path}`,
    path,
    isPublic: security.length === 0,
    acceptsUnknownFields: row.additionalProperties !== false,
    features,
    exampleBody: 'inputs' in example ? example : { inputs: {} },
    responseFields: fieldsOf(document, okSchema),
    predictionFields: fieldsOf(document, predictionSchema),
    labels,
    target: str(prediction.description),
    errors,
    errorFields: fieldsOf(document, errorSchema),
  };
}

/** An illustrative 200 response: the shape, with the model's own labels. */
export function exampleResponse(doc: PredictApiDoc, slug: string): JsonObject {
  const prediction: JsonObject = doc.labels
    ? {
        prediction: doc.labels[0] ?? 'label',
        probabilities: Object.fromEntries(
          doc.labels.map((label, i, all) => [label, all.length === 1 ? 1 : Number((i === 0 ? 0.7 : 0.3 / (all.length - 1)).toFixed(3))]),
        ),
      }
    : { prediction: 42.0 };
  return {
    requestId: '0b7c1e2a-…',
    deployment: slug,
    version: Number(doc.version) || 1,
    model: { id: '…', name: '…' },
    predictions: [prediction],
  };
}
