import { engagementChannel } from '../../../integrations/live-updates/live-updates';
import { AppError } from '../../../lib/errors';
import { openRedisSubscriber } from '../services.server';

export const heartbeatIntervalMs = 15_000;
const subscribeTimeoutMs = 3_000;

/**
 * A Server-Sent Events response carrying every change published for one engagement
 * (Redis channel `engagement:<id>`), with a comment line every 15 s to keep proxies from closing it.
 * The dedicated subscriber connection is released when the browser goes away.
 */
export async function engagementEventStream(engagementId: string, signal: AbortSignal): Promise<Response> {
  const channel = engagementChannel(engagementId);
  const { subscriber, release } = openRedisSubscriber();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      subscriber.subscribe(channel),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('subscribe timed out')), subscribeTimeoutMs);
      }),
    ]);
  } catch (error) {
    release();
    throw new AppError(
      'unavailable',
      'Live updates are not available right now.',
      `subscribe to ${channel}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }

  const encoder = new TextEncoder();
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        subscriber.off('message', onMessage);
        release();
        try {
          controller.close();
        } catch {
          // Already closed by the consumer.
        }
      };
      const onMessage = (from: string, message: string) => {
        if (from !== channel) return;
        // One SSE event per published change; the payload is JSON on a single line.
        send(`data: ${message.replace(/\n/g, ' ')}\n\n`);
      };

      subscriber.on('message', onMessage);
      subscriber.on('end', close);
      heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatIntervalMs);
      signal.addEventListener('abort', close, { once: true });
      if (signal.aborted) close();
      // Tell the browser how long to wait before reconnecting, and that the stream is live.
      send('retry: 3000\n: connected\n\n');
    },
    cancel() {
      closed = true;
      clearInterval(heartbeat);
      release();
    },
  });

  return new Response(stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    },
  });
}
