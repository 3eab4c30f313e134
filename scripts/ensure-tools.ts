/**
 * Resolves every binary the local stack needs, building or installing what is missing (see
 * infra/local/tools.ts), and prints what it found. CI runs it before the tests; `npm run dev` does the
 * same on its own.
 */
import { describeFailure } from '../infra/local/errors';
import { createConsoleLog } from '../infra/local/log';
import { ensureTools, resolveChromium, resolveStripeMock } from '../infra/local/tools';

const log = createConsoleLog('tools');
try {
  const tools = await ensureTools({ log });
  log.info(
    tools.temporal
      ? `Temporal CLI: ${tools.temporal.path} (${tools.temporal.version}; ${tools.temporal.source})`
      : `Temporal CLI: not needed (TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS ?? ''})`,
  );
  log.info(
    tools.redisServer
      ? `redis-server: ${tools.redisServer.path} (${tools.redisServer.version}; ${tools.redisServer.source})`
      : 'redis-server: not needed (REDIS_URL is set)',
  );
  const chromium = await resolveChromium({ log });
  log.info(`Chromium (browser tests): ${chromium.path} (${chromium.version}; ${chromium.source})`);
  const stripeMock = await resolveStripeMock({ log });
  log.info(`stripe-mock (payment tests): ${stripeMock.path} (${stripeMock.version}; ${stripeMock.source})`);
} catch (error) {
  log.warn(describeFailure(error));
  process.exitCode = 1;
}
