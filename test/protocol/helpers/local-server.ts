/** A test's node:http server on 127.0.0.1: started on a free port (its origin answered), closed with its connections. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeLocal(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}
