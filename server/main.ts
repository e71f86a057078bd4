import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { startBerth } from './berth';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const berth = await startBerth(config).catch((error: Error) => {
  console.error(`Berth could not start: ${error.message}`);
  process.exit(1);
});

const lines = [''];
if (berth.url) {
  lines.push(`  Berth is running (role: ${config.role}).`, `  Console:  ${config.publicUrl}`, `  GraphQL:  ${config.publicUrl}/graphql`);
} else {
  lines.push(`  Berth worker is running (jobs on ${berth.jobs.backendName}).`);
}
if (berth.firstAdmin?.password) {
  lines.push('', `  First admin created: ${berth.firstAdmin.email} / ${berth.firstAdmin.password}`, '  Save this password now: it is not shown again.');
} else if (berth.firstAdmin) {
  lines.push('', `  First admin created: ${berth.firstAdmin.email} (password from BERTH_ADMIN_PASSWORD)`);
}
console.log(lines.join('\n') + '\n');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    berth.logger.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    berth.close().then(
      () => {
        console.log('Berth stopped.');
        process.exit(0);
      },
      () => process.exit(1),
    );
  });
}
