import { DeploymentAccess, ValidationMode } from '../deployments/deployment.entity';
import type { EncodedFeature, FeatureProfile } from '../ml/types';
import type { ServingSet } from './deployment-registry';

/**
 * JSON Schema of one feature value, from the spec the main model was trained with. The training
 * range is a hint (`x-training-range`), not `minimum`/`maximum`: values outside it are accepted.
 */
function featureSchema(feature: EncodedFeature, profile: FeatureProfile | undefined): Record<string, unknown> {
  const nullable = feature.nullable !== false;
  const base =
    feature.type === 'numeric'
      ? { type: 'number' }
      : feature.type === 'boolean'
        ? { type: 'boolean' }
        : { type: 'string', description: `Seen in training: ${feature.vocabulary.join(', ')}; other values are treated as unknown` };
  const range = profile?.type === 'numeric' ? { 'x-training-range': [profile.min, profile.max] } : {};
  return { ...(nullable ? { ...base, type: [base.type, 'null'] } : base), ...range };
}

/**
 * The OpenAPI 3.1 document of one deployment, generated from its main model's feature schema,
 * with an example request taken from the training data.
 */
export function buildOpenApi(set: ServingSet, publicUrl: string): Record<string, unknown> {
  const { deployment, main } = set;
  const spec = main.spec;
  const row = {
    type: 'object',
    properties: Object.fromEntries(spec.features.map((f) => [f.name, featureSchema(f, main.binning.profile?.features.find((p) => p.name === f.name))])),
    required: spec.features.filter((f) => f.nullable === false).map((f) => f.name),
    additionalProperties: deployment.validationMode !== ValidationMode.strict,
  };
  const target = spec.target;
  const prediction =
    target.task === 'regression'
      ? { type: 'object', required: ['prediction'], properties: { prediction: { type: 'number', description: target.name } } }
      : {
          type: 'object',
          required: ['prediction', 'probabilities'],
          properties: {
            prediction: { type: 'string', enum: target.labels, description: target.name },
            probabilities: { type: 'object', properties: Object.fromEntries(target.labels.map((l) => [l, { type: 'number', minimum: 0, maximum: 1 }])) },
          },
        };
  const error = { $ref: '#/components/schemas/Error' };
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
  return {
    openapi: '3.1.0',
    info: { title: `${deployment.name} prediction API`, version: String(set.version.number), description: deployment.description || undefined },
    servers: [{ url: publicUrl }],
    security: deployment.access === DeploymentAccess.public ? [] : [{ apiKey: [] }, { bearer: [] }],
    paths: {
      [`/api/v1/deployments/${deployment.slug}/predict`]: {
        post: {
          operationId: 'predict',
          summary: `Predict ${target.name}`,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'object', required: ['inputs'], properties: { inputs: { oneOf: [{ $ref: '#/components/schemas/Row' }, { type: 'array', items: { $ref: '#/components/schemas/Row' } }] } } },
                example: { inputs: main.example ?? {} },
              },
            },
          },
          responses: {
            200: {
              description: 'One prediction per row, in order',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['requestId', 'deployment', 'version', 'model', 'predictions'],
                    properties: {
                      requestId: { type: 'string' },
                      deployment: { type: 'string', const: deployment.slug },
                      version: { type: 'integer' },
                      model: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
                      predictions: { type: 'array', items: prediction },
                      warnings: { type: 'array', items: { $ref: '#/components/schemas/Issue' }, description: 'fields dropped and values imputed (best_effort), and values unlike the training data: unseen categories, numbers far outside the training range' },
                    },
                  },
                },
              },
            },
            400: errorResponse('Invalid input: `details` lists each problem with its row (0-based) and field'),
            401: errorResponse('No or bad credentials'),
            403: errorResponse('Credentials that do not open this deployment'),
            404: errorResponse('No such deployment'),
            413: errorResponse('Too many rows or too large a body'),
            429: errorResponse('Rate limited'),
            503: errorResponse('Not deployed yet'),
          },
        },
      },
    },
    components: {
      schemas: {
        Row: row,
        Issue: { type: 'object', properties: { row: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } } },
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, details: { type: 'array', items: { $ref: '#/components/schemas/Issue' } } } },
      },
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key of this deployment, a personal access token or a session token' },
      },
    },
  };
}
