const NEEDS_QUOTES = /[",\n\r]/;

/** One CSV cell: quoted where needed, null and undefined as empty. */
export function csvCell(value: unknown): string {
  // Numbers and booleans never need quotes: the common case skips the test.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, with its line break. */
export function csvLine(values: unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += i === 0 ? csvCell(values[i]) : `,${csvCell(values[i])}`;
  return `${line}\n`;
}
