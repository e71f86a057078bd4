import { DeploymentAccess, ValidationMode } from '../deployments/deployment.entity';
import type { EncodedFeature, FeatureProfile } from '../ml/types';
import { HTTP_STATUS } from '../platform/errors';
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

export interface OpenApiOptions {
  /** The instance's public address (BERTH_PUBLIC_URL). */
  publicUrl: string;
  /** Most rows (and feedback items) in one request (BERTH_MAX_PREDICT_ROWS). */
  maxRows: number;
  /** SPDX identifier of the API's licence (BERTH_API_LICENSE). */
  license: string;
}

/**
 * The OpenAPI 3.1 document of one deployment, generated from its main model's feature schema,
 * with an example request taken from the training data. Everything the server refuses, the
 * document refuses too (row counts, required members), so a generated client fails early.
 */
export function buildOpenApi(set: ServingSet, { publicUrl, maxRows, license }: OpenApiOptions): Record<string, unknown> {
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
  // Public: anyone, and a key is optional (`{}`); instance and project: a key or a token is required.
  const predictSecurity = deployment.access === DeploymentAccess.public ? [{}, { apiKey: [] }, { bearer: [] }] : [{ apiKey: [] }, { bearer: [] }];
  const rows = { type: 'array', items: { $ref: '#/components/schemas/Row' }, minItems: 1, maxItems: maxRows };
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
  return {
    openapi: '3.1.0',
    info: {
      title: `${deployment.name} prediction API`,
      version: String(set.version.number),
      description: deployment.description || undefined,
      // The models and their answers are the instance operator's; Berth grants nothing on them.
      license: license === 'LicenseRef-Proprietary' ? { name: "Proprietary: the terms of this Berth instance's operator", identifier: license } : { name: license, identifier: license },
    },
    servers: [{ url: publicUrl }],
    security: predictSecurity,
    paths: {
      [`/api/v1/deployments/${deployment.slug}/predict`]: {
        post: {
          operationId: 'predict',
          summary: `Predict ${target.name}`,
          security: predictSecurity,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'object', required: ['inputs'], properties: { inputs: { oneOf: [{ $ref: '#/components/schemas/Row' }, { ...rows, description: `One row per prediction, at most ${maxRows} (BERTH_MAX_PREDICT_ROWS)` }] } } },
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
                      model: { type: 'object', required: ['id', 'name', 'experimentVersion'], properties: { id: { type: 'string' }, name: { type: 'string' }, experimentVersion: { type: 'integer', minimum: 1, description: 'The number of the experiment version the model belongs to' } } },
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
      [`/api/v1/deployments/${deployment.slug}/feedback`]: {
        post: {
          operationId: 'sendFeedback',
          summary: `Send the actual ${target.name} of earlier predictions (ground truth for the performance charts)`,
          // Whatever the deployment's access level: the truth the charts are computed from is not anyone's to overwrite.
          security: [{ apiKey: [] }, { bearer: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: '#/components/schemas/Feedback' },
                    { type: 'object', required: ['feedback'], properties: { feedback: { type: 'array', items: { $ref: '#/components/schemas/Feedback' }, minItems: 1, maxItems: maxRows } } },
                  ],
                },
              },
            },
          },
          responses: {
            200: {
              description: 'How many items were stored',
              content: { 'application/json': { schema: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'integer', minimum: 0 } } } } },
            },
            400: errorResponse('An invalid item: `details` names it (`row`: its index) and the field'),
            401: errorResponse('No or bad credentials (anonymous callers too, on a public deployment)'),
            403: errorResponse("Credentials that do not open this deployment's feedback"),
            404: errorResponse('No such deployment'),
            413: errorResponse('Too many items'),
            429: errorResponse('Rate limited'),
          },
        },
      },
    },
    components: {
      schemas: {
        Row: row,
        Issue: { type: 'object', required: ['row', 'field', 'message'], properties: { row: { type: 'integer' }, field: { type: 'string' }, message: { type: 'string' } } },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string', description: 'What is wrong and what to do, for a person' },
            code: { type: 'string', examples: Object.keys(HTTP_STATUS), description: 'The kind of error, for a program' },
            field: { type: 'string', description: 'The member of the request at fault, when there is one (`inputs`, `feedback`…)' },
            details: { type: 'array', items: { $ref: '#/components/schemas/Issue' }, description: 'Each problem, by row (0-based) and field' },
          },
        },
        Feedback: {
          type: 'object',
          required: ['requestId', 'actual'],
          properties: {
            requestId: { type: 'string', format: 'uuid', description: 'The `requestId` of the prediction' },
            row: { type: 'integer', minimum: 0, default: 0, description: 'The row of that request (0-based)' },
            actual: target.task === 'regression' ? { type: ['number', 'string'], description: 'A finite number, or its decimal text' } : { type: 'string', enum: target.labels, description: 'One of the labels' },
          },
        },
      },
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key of this deployment, a personal access token or a session token' },
      },
    },
  };
}
