import type { CombinedError } from 'urql';

/** What to tell the user: the API's own message when it gave one, else what went wrong on the way. */
export function messageOf(error: CombinedError): string {
  const [first] = error.graphQLErrors;
  if (first) return first.message;
  if (error.networkError) return `Cannot reach the Berth server (${error.networkError.message})`;
  return error.message;
}

/** The input a BAD_USER_INPUT error names (`extensions.field`), to show the message next to it. */
export function fieldOf(error: CombinedError): string | null {
  const field = error.graphQLErrors[0]?.extensions?.field;
  return typeof field === 'string' ? field : null;
}
