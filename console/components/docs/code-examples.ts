/** Ready-to-copy calls of a deployment's predict route. */

export const API_KEY_PLACEHOLDER = 'YOUR_API_KEY';

export interface CodeExample {
  id: 'curl' | 'javascript' | 'python';
  title: string;
  language: string;
  code: string;
}

const indent = (text: string, spaces: number) => text.replace(/\n/g, `\n${' '.repeat(spaces)}`);

/** A single-quoted shell word: safe for any JSON. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A Python literal of a JSON value (JSON strings and numbers are valid Python). */
function python(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  const pad = '    '.repeat(depth + 1);
  const end = '    '.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${pad}${python(v, depth + 1)},`).join('\n')}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${python(v, depth + 1)},`).join('\n')}\n${end}}`;
}

export function codeExamples(url: string, body: unknown, withKey: boolean): CodeExample[] {
  const json = JSON.stringify(body, null, 2);

  const curl = [
    `curl -X POST ${shellQuote(url)}`,
    `-H 'Content-Type: application/json'`,
    ...(withKey ? [`-H 'X-API-Key: ${API_KEY_PLACEHOLDER}'`] : []),
    `-d ${shellQuote(json)}`,
  ].join(' \\\n  ');

  const javascript = `const response = await fetch(${JSON.stringify(url)}, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',${withKey ? `\n    'X-API-Key': '${API_KEY_PLACEHOLDER}',` : ''}
  },
  body: JSON.stringify(${indent(json, 2)}),
});
const result = await response.json();
if (!response.ok) {
  // { error, details: [{ row, field, message }] }
  throw new Error(\`\${response.status}: \${result.error}\`);
}
console.log(result.predictions[0].prediction);
`;

  const pythonCode = `import requests

response = requests.post(
    ${JSON.stringify(url)},${withKey ? `\n    headers={"X-API-Key": "${API_KEY_PLACEHOLDER}"},` : ''}
    json=${indent(python(body, 0), 4)},
    timeout=30,
)
result = response.json()
if not response.ok:
    # {"error": ..., "details": [{"row", "field", "message"}]}
    raise RuntimeError(f"{response.status_code}: {result['error']}")
print(result["predictions"][0]["prediction"])
`;

  return [
    { id: 'curl', title: 'curl', language: 'shell', code: curl },
    { id: 'javascript', title: 'JavaScript (fetch)', language: 'javascript', code: javascript },
    { id: 'python', title: 'Python (requests)', language: 'python', code: pythonCode },
  ];
}
