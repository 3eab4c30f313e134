import { createServer } from 'node:net';
import { StackError } from './errors';

const HOST = '127.0.0.1';

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS did not assign a port'))));
    });
  });
}

/** Whether nothing listens on `port` at 127.0.0.1. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Throws a StackError that says what to do when `port` is taken, e.g.
 * "Port 7233 (Temporal) is already in use. Stop the process using it (`lsof -i :7233`) or set TEMPORAL_PORT=…".
 */
export async function assertPortFree(
  port: number,
  serviceName: string,
  envVarToChange: string,
): Promise<void> {
  if (await isPortFree(port)) return;
  throw new StackError(
    `Port ${port} (${serviceName}) is already in use. Stop the process using it (\`lsof -i :${port}\`) ` +
      `or set ${envVarToChange}=… to another port. Is \`npm run dev\` already running in another terminal?`,
  );
}
