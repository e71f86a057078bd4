import { validate as validateOpenApi } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../../support/berth';
import { deployDemo, trainDemo } from '../../support/demo';

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };
const MAX_ROWS = 20;


describe('REST predict: strict types and the OpenAPI document', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', BERTH_MAX_PREDICT_ROWS: String(MAX_ROWS), BERTH_API_LICENSE: 'Apache-2.0' } });
  const { url, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);

  const create = (input: Record<string, unknown>) => deployDemo(berth, admin, demo, input);
  const strict = await create({ name: 'Typed strict' });
  const lenient = await create({ name: 'Typed lenient', validationMode: 'best_effort' });
  const closed = await create({ name: 'Typed closed', access: 'project' });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const predict = (slug: string, body: unknown, headers?: Record<string, string>) => post(`/api/v1/deployments/${slug}/predict`, body, headers);

  describe('strict refuses a number or a boolean for a categorical feature; best_effort converts and warns', () => {
    it.each([
      ['"Island": 1', { Island: 1 }],
      ['"Island": 3 (what the web form once sent)', { Island: 3 }],
      ['"Sex": true', { Sex: true }],
    ])('strict: %s is a 400 naming row and field', async (_what, change) => {
      const answer = await predict(strict.slug, { inputs: [PENGUIN, { ...PENGUIN, ...change }] });
      expect(answer.status).toBe(400);
      const [field, value] = Object.entries(change)[0]!;
      expect(answer.body.error).toBe(`row 1, field "${field}": expected a category (text), got the ${typeof value} ${value}; send it as a string`);
      expect(answer.body.details).toEqual([{ row: 1, field, message: expect.stringMatching(/^expected a category \(text\)/) }]);
    });

    it('strict: the same value as text is predicted', async () => {
      expect((await predict(strict.slug, { inputs: { ...PENGUIN, Island: 'Dream' } })).status).toBe(200);
    });

    it('best_effort: converts to the text and says so in warnings', async () => {
      const answer = await predict(lenient.slug, { inputs: [PENGUIN, { ...PENGUIN, Island: 3 }] });
      expect(answer.status).toBe(200);
      expect(answer.body.predictions).toHaveLength(2);
      expect(answer.body.warnings).toContainEqual({ row: 1, field: 'Island', message: 'expected a category (text), got the number 3; read as "3"' });
    });
  });

  describe('the OpenAPI document', async () => {
    const fetchDocument = async (slug: string, headers: Record<string, string> = {}) => (await fetch(`${url}/api/v1/deployments/${slug}/openapi.json`, { headers })).json() as Promise<any>;
    const document = await fetchDocument(strict.slug);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // The document itself: its schemas are reached through JSON pointers into it, as its $refs are.
    ajv.addSchema(document, 'openapi.json');
    /** The schema at a JSON pointer into the document (segments already escaped). */
    const schemaAt = (pointer: string) => ajv.compile({ $ref: `openapi.json#${pointer}` });
    const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
    const predictPath = `/paths/${escape(`/api/v1/deployments/${strict.slug}/predict`)}/post`;
    const feedbackPath = `/paths/${escape(`/api/v1/deployments/${strict.slug}/feedback`)}/post`;

    it('passes an OpenAPI 3.1 validator, and every schema in it is valid JSON Schema 2020-12', async () => {
      // The validator dereferences in place: give it a copy.
      const result = await validateOpenApi(structuredClone(document));
      expect(result.valid, JSON.stringify(result)).toBe(true);
      for (const name of Object.keys(document.components.schemas)) expect(() => schemaAt(`/components/schemas/${name}`)).not.toThrow();
    });

    it('resolves every $ref', () => {
      const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const pointer = JSON.parse(`{${ref}}`).$ref as string;
        const target = pointer.slice(2).split('/').reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
        expect(target, pointer).toBeDefined();
      }
    });

    it('refuses what the server refuses: no rows, more than BERTH_MAX_PREDICT_ROWS', async () => {
      const request = schemaAt(`${predictPath}/requestBody/content/application~1json/schema`);
      const example = document.paths[`/api/v1/deployments/${strict.slug}/predict`].post.requestBody.content['application/json'].example;
      expect(request(example)).toBe(true);
      expect(request({ inputs: [] })).toBe(false);
      expect((await predict(strict.slug, { inputs: [] })).status).toBe(400);
      const tooMany = { inputs: Array.from({ length: MAX_ROWS + 1 }, () => PENGUIN) };
      expect(request(tooMany)).toBe(false);
      expect((await predict(strict.slug, tooMany)).status).toBe(413);
      expect(request({ inputs: Array.from({ length: MAX_ROWS }, () => PENGUIN) })).toBe(true);
    });

    it("describes the server's real answers: a prediction, and errors with their code, field and details", async () => {
      const ok = schemaAt(`${predictPath}/responses/200/content/application~1json/schema`);
      const answer = await predict(strict.slug, { inputs: PENGUIN });
      expect(ok(answer.body), JSON.stringify(ok.errors)).toBe(true);
      const withoutModelName = { ...answer.body, model: { id: answer.body.model.id } };
      expect(ok(withoutModelName)).toBe(false);
      const error = schemaAt('/components/schemas/Error');
      const invalid = await predict(strict.slug, { inputs: { ...PENGUIN, Island: 1 } });
      const malformed = await predict(strict.slug, { rows: [] });
      expect(malformed.body).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs' });
      for (const body of [invalid.body, malformed.body]) expect(error(body), JSON.stringify(error.errors)).toBe(true);
      expect(document.components.schemas.Error.properties).toHaveProperty('code');
      expect(document.components.schemas.Error.properties).toHaveProperty('field');
    });

    it('documents the feedback route with the schema the server takes', async () => {
      const request = schemaAt(`${feedbackPath}/requestBody/content/application~1json/schema`);
      const { body } = await predict(strict.slug, { inputs: PENGUIN });
      const item = { requestId: body.requestId, row: 0, actual: 'Gentoo' };
      expect(request(item)).toBe(true);
      expect(request({ feedback: [item] })).toBe(true);
      expect(request({ feedback: [] })).toBe(false);
      expect(request({ ...item, actual: 'Emperor' })).toBe(false);
      expect(await post(`/api/v1/deployments/${strict.slug}/feedback`, { feedback: [item] }, { authorization: `Bearer ${admin}` })).toEqual({ status: 200, body: { accepted: 1 } });
      expect(document.paths[`/api/v1/deployments/${strict.slug}/feedback`].post.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    });

    it('has a license, and uses every security scheme it declares; a closed deployment requires one', async () => {
      expect(document.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
      const used = (doc: any) => new Set(Object.values(doc.paths).flatMap((path: any) => Object.values(path).flatMap((op: any) => (op.security ?? doc.security).flatMap((s: object) => Object.keys(s)))));
      expect([...used(document)].sort()).toEqual(Object.keys(document.components.securitySchemes).sort());
      // Public: anonymous allowed ({}), a key optional.
      expect(document.paths[`/api/v1/deployments/${strict.slug}/predict`].post.security).toContainEqual({});
      const closedDocument = await fetchDocument(closed.slug, { authorization: `Bearer ${admin}` });
      const closedPredict = closedDocument.paths[`/api/v1/deployments/${closed.slug}/predict`].post;
      expect(closedPredict.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
      expect((await predict(closed.slug, { inputs: PENGUIN })).status).toBe(401);
    });
  });
});
