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
