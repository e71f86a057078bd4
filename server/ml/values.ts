/**
 * How one raw cell becomes a number, a boolean or a category. Schema inference,
 * preprocessing and profiling all read values through these functions, so a CSV string and
 * the JSON value it stands for ("39.1" and 39.1, "yes" and true) mean exactly the same thing.
 */

// Plain decimal notation only: Number() alone would also accept "0x1f", "Infinity" and "",
// none of which a user means as a measurement.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', '1']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', '0']);

/** null, undefined and blank strings are missing; anything else is a value (possibly a bad one). */
export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** A finite number from a number or a decimal string, else undefined. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!DECIMAL.test(text)) return undefined;
  const parsed = Number(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** true/false, 1/0 or the words true/false/yes/no/1/0 (any case), else undefined. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** The category a scalar stands for (numbers and booleans as their JSON text), else undefined. */
export function parseCategory(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Code-point order: the same on every machine and locale, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a value is one a feature can hold: a string, a number, a boolean, or missing.
 * Arrays and objects never are; checked before anything else reads the value, so no
 * structure a client sends is ever walked (a 5 000-level array overflows the stack).
 */
export function isScalar(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** What a value that is not a scalar is, for messages, without reading inside it. */
export function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return `a ${typeof value}`;
}

/** The message for a value `isScalar` refuses. */
export function notScalar(value: unknown): string {
  return `a feature value must be a string, number, boolean or null, not ${kindOf(value)}`;
}

/** A short, printable form of a bad value for error messages; a structure is named, never serialised. */
export function showValue(value: unknown): string {
  if (!isScalar(value)) return kindOf(value);
  // A long string is cut before quoting: a message never costs more than its 40 characters.
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? value.slice(0, 40) : value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
