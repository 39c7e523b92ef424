/** Start a Koa app on host:port and return a closer that also ends keep-alive sockets. */
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export function listen(app: Koa, host: string, port: number): Promise<Listening> {
  const server = createServer(app.callback());
  // Long-lived SSE streams must not keep the process from stopping: close() ends them all.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `Cannot listen on ${host}:${port}: the port is already in use (set PORT to a free port).`
            : e.code === 'EACCES'
              ? `Cannot listen on ${host}:${port}: permission denied (use a port above 1023).`
              : `Cannot listen on ${host}:${port}: ${e.message}.`,
        ),
      );
    });
    server.listen(port, host, () => {
      const addr = server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        url: `http://${shownHost}:${actualPort}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}
