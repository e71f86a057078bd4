import { createRequire } from 'node:module';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

/**
 * The rules of the house, read from the code's imports (.dependency-cruiser.cjs says which and
 * why): no import cycles in server/ and console/; ml/ imports only platform/; platform/ imports
 * no domain; a domain never imports an edge (GraphQL, HTTP, routes).
 */
describe('architecture', () => {
  it('has no import cycles and keeps the layers apart', async () => {
    const rules = require('../.dependency-cruiser.cjs');
    const { output } = await cruise(['server', 'console'], { ruleSet: rules, validate: true, ...rules.options });
    const violations = (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${[v.from, ...(v.cycle?.map((c) => c.name) ?? [v.to])].join(' → ')}`);
    expect(violations).toEqual([]);
  });
});
