/** The final (runtime) stage of a Dockerfile, as far as the tests need it. */
export interface Dockerfile {
  /** The final stage's base image. */
  base: string;
  /** Every stage's base image, in order. */
  bases: string[];
  env: Record<string, string>;
  expose: number[];
  user: string | undefined;
  runs: string[];
  /** COPY lines of the final stage. */
  copies: string[];
  healthcheck: string[] | undefined;
  cmd: string[] | undefined;
}

/** Enough of the Dockerfile syntax for the tests: line continuations, ENV k=v, exec-form CMD. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
      return { keyword: keyword!.toUpperCase(), rest: rest! };
    });
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  if (froms.length === 0) throw new Error('the Dockerfile has no FROM');
  const stage = instructions.slice(instructions.lastIndexOf(froms.at(-1)!));
  const words = (rest: string) => (rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest]);
  const env: Record<string, string> = {};
  for (const { rest } of stage.filter((i) => i.keyword === 'ENV')) {
    for (const [, name, value] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) env[name!] = value!.replace(/^"|"$/g, '');
  }
  const last = (keyword: string) => stage.filter((i) => i.keyword === keyword).at(-1)?.rest;
  const healthcheck = last('HEALTHCHECK');
  const cmd = last('CMD');
  return {
    base: froms.at(-1)!.rest.split(/\s+/)[0]!,
    bases: froms.map((f) => f.rest.split(/\s+/)[0]!),
    env,
    expose: stage.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.rest.split(/\s+/).map((port) => Number(port.split('/')[0]))),
    user: last('USER'),
    runs: stage.filter((i) => i.keyword === 'RUN').map((i) => i.rest),
    copies: stage.filter((i) => i.keyword === 'COPY').map((i) => i.rest),
    healthcheck: healthcheck ? words(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, '')) : undefined,
    cmd: cmd ? words(cmd) : undefined,
  };
}
