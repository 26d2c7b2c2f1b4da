/**
 * The HTTP ceiling: a trivial hono route (`POST /trivial` answering a fixed small JSON) served by
 * @hono/node-server exactly as Clove's server is, in its own process. Whatever this reaches on a
 * machine is the most any HTTP figure of Clove could reach there; the report shows Clove's HTTP
 * throughput as a fraction of it. Prints `listening <port>` once ready.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
const BODY = { checkedAt: { token: 'trivial' }, permissionship: 'PERMISSIONSHIP_HAS_PERMISSION' };
app.post('/trivial', async (c) => {
  await c.req.json();
  return c.json(BODY);
});
app.get('/trivial', (c) => c.json(BODY));

const server = serve(
  { fetch: app.fetch, port: Number(process.argv[2] ?? 0), hostname: '127.0.0.1' },
  (info) => {
    process.stdout.write(`listening ${info.port}\n`);
  },
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
