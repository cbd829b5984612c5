/** Ports on 127.0.0.1: a free one to listen on, and waiting until one accepts connections. */
import { connect, createServer } from 'node:net';

/** A port the OS just handed out as free; another process could still take it before the caller binds it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('cannot read the port of a listening socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; rejects after `timeoutMs` or when `abort` fires. */
export async function waitForPort(port: number, timeoutMs: number, abort?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt';
  while (Date.now() < deadline) {
    if (abort?.aborted) throw abort.reason instanceof Error ? abort.reason : new Error(String(abort.reason));
    try {
      await connectOnce(port, Math.max(1, deadline - Date.now()));
      return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`127.0.0.1:${port} did not accept connections within ${timeoutMs} ms (last error: ${lastError})`);
}

/** True when something accepts TCP connections on 127.0.0.1:`port` right now. */
export async function isPortOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  try {
    await connectOnce(port, timeoutMs);
    return true;
  } catch {
    return false;
  }
}

function connectOnce(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
