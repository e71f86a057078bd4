/** Writes schema.graphql from the resolvers: `npm run schema:emit`. */
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { buildBerthSchema, printBerthSchema } from '../graphql/schema';
import { LocalEventBus } from '../platform/event-bus';

await writeFile('schema.graphql', printBerthSchema(await buildBerthSchema(new LocalEventBus())));
console.log('Wrote schema.graphql');
