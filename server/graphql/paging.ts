import { ArgsType, Field, Int } from 'type-graphql';
import { badInput } from '../platform/errors';

/**
 * Checks the paging arguments of a list field: a negative `offset` or `limit` is the caller's
 * mistake, named as such (PostgreSQL would refuse it with an error the caller never sees).
 * A limit above `maxLimit` is lowered to it.
 */
export function page(offset: number, limit: number, maxLimit: number): { offset: number; limit: number } {
  if (offset < 0) throw badInput('offset', `must be 0 or more, got ${offset}`);
  if (limit < 0) throw badInput('limit', `must be 0 or more, got ${limit}`);
  return { offset, limit: Math.min(limit, maxLimit) };
}

/** Default and maximum `limit` of every paged list field. */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

/**
 * The paging arguments every list that grows with use takes (one convention for the whole
 * schema): `offset` and `limit` over the list in its documented order, with the total in a sibling
 * `…Count` field, so that existing queries keep their shape and a client pages by number.
 */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 0, description: 'Skip this many items, in the order of the list; 0 or more' })
  offset: number;

  @Field(() => Int, { defaultValue: DEFAULT_PAGE_LIMIT, description: `At most this many items: ${DEFAULT_PAGE_LIMIT} by default, lowered to ${MAX_PAGE_LIMIT}; 0 or more` })
  limit: number;
}

/** `page` with the schema's maximum. */
export function pageArgs(args: PageArgs): { offset: number; limit: number } {
  return page(args.offset, args.limit, MAX_PAGE_LIMIT);
}

/** One page of a list a service returns whole (lists bounded by what people create, read in one query). */
export function slicePage<T>(items: readonly T[], args: { offset: number; limit: number }): T[] {
  return items.slice(args.offset, args.offset + args.limit);
}
