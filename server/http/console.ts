import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../platform/logger';

const CONSOLE_DIR = path.resolve(import.meta.dirname, '../../console');

/** Paths the API owns: an unknown one gets Fastify's JSON 404, not the console's HTML page. */
const API_PATHS = ['/graphql', '/healthz', '/readyz', '/api'];

/**
 * Serves the built Next.js console from this server: every GET or HEAD request no other route
 * matches goes to Next. Needs `npm run console:build` first; without a build the API still runs,
 * and this says how to get the console.
 */
export async function mountConsole(app: FastifyInstance, logger: Logger): Promise<boolean> {
  if (!existsSync(path.join(CONSOLE_DIR, '.next', 'BUILD_ID'))) {
    logger.warn(`The console is not built, so only the API is served: run \`npm run console:build\` (npm start does it), or set BERTH_CONSOLE=off to silence this`);
    return false;
  }

  // Loaded only here: Next is large, and API-only processes never need it.
  const { default: next } = await import('next');
  const nextApp = next({ dev: false, dir: CONSOLE_DIR });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?', 1)[0]!;
    if (API_PATHS.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) {
      return reply.callNotFound();
    }
    // Next writes the response itself.
    reply.hijack();
    try {
      await handle(request.raw, reply.raw);
    } catch (error) {
      request.log.error({ err: error }, 'the console failed to render a page');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      reply.raw.end('Internal server error');
    }
  };
  // Static routes (/graphql, /healthz, …) and parametric ones always win over a wildcard.
  app.route({ method: ['GET', 'HEAD'], url: '/*', handler: serve });
  app.addHook('onClose', async () => {
    await nextApp.close?.();
  });
  logger.debug({ dir: CONSOLE_DIR }, 'serving the console');
  return true;
}
