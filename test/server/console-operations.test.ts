import { readdir, readFile } from 'node:fs/promises';
import { buildSchema, Kind, parse, validate, visit, type DefinitionNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * Every GraphQL document the console sends is valid against schema.graphql: the console declares
 * its operations with gql.tada's graphql(`…`) in console/lib/operations/*.ts, and tsc only types
 * their results, so a renamed field, a changed argument type or a new paging shape would
 * otherwise be found by a user. Validated with graphql-js's own validate (every spec rule).
 */
const OPERATIONS_DIR = 'console/lib/operations';

// gql.tada's client-side directives, unknown to the server's schema.
const TADA_DIRECTIVES = 'directive @_unmask on FRAGMENT_DEFINITION\ndirective @_optional on FIELD\ndirective @_required on FIELD\n';

async function consoleDocuments(): Promise<{ file: string; source: string }[]> {
  const documents: { file: string; source: string }[] = [];
  for (const name of (await readdir(OPERATIONS_DIR)).filter((file) => file.endsWith('.ts')).sort()) {
    const text = await readFile(`${OPERATIONS_DIR}/${name}`, 'utf8');
    for (const match of text.matchAll(/graphql\(\s*`([^`]*)`/g)) documents.push({ file: name, source: match[1]! });
  }
  return documents;
}

/** The fragments an operation spreads, transitively. */
function fragmentsUsed(node: DefinitionNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): Set<string> {
  visit(node, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      if (seen.has(name)) return;
      seen.add(name);
      const fragment = fragments.get(name);
      if (fragment) fragmentsUsed(fragment, fragments, seen);
    },
  });
  return seen;
}

describe('console operations', () => {
  it('all validate against schema.graphql', async () => {
    const schema = buildSchema(TADA_DIRECTIVES + (await readFile('schema.graphql', 'utf8')));
    const documents = await consoleDocuments();
    const definitions = documents.flatMap(({ file, source }) => parse(source).definitions.map((definition) => ({ file, definition })));
    const fragments = new Map(definitions.flatMap(({ definition }) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
    const operations = definitions.filter((entry): entry is { file: string; definition: OperationDefinitionNode } => entry.definition.kind === Kind.OPERATION_DEFINITION);

    // A sanity floor: the regular expression still finds the documents (there are over 50 today).
    expect(operations.length).toBeGreaterThan(40);

    const problems: string[] = [];
    for (const { file, definition } of operations) {
      const used = [...fragmentsUsed(definition, fragments)];
      const missing = used.filter((name) => !fragments.has(name));
      if (missing.length) problems.push(`${file} ${definition.name?.value}: unknown fragment ${missing.join(', ')}`);
      const document = { kind: Kind.DOCUMENT, definitions: [definition, ...used.flatMap((name) => fragments.get(name) ?? [])] } as const;
      for (const error of validate(schema, document)) problems.push(`${file} ${definition.name?.value ?? '(anonymous)'}: ${error.message}`);
    }
    expect(problems).toEqual([]);
  });
});
