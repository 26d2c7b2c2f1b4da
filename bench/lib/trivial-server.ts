/**
 * The HTTP ceiling: a trivial route (`POST /trivial` reading a JSON body and answering a fixed small
 * JSON) served exactly as Clove serves its hot routes, in its own process: @hono/node-server, with
 * the node front Clove puts before hono for check and checkbulk (src/api/node-front.ts). Whatever
 * this reaches on a machine is the most any HTTP figure of Clove could reach there; the report
 * shows Clove's HTTP throughput as a fraction of it.
 *
 * `POST /trivial-hono` is the same route through hono (the ceiling before Clove's check left hono),
 * kept to compare the two stacks. Prints `listening <port>` once ready.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readBodyText, sendJson, withNodeFront } from '../../src/api/node-front.ts';

const app = new Hono();
const BODY = { checkedAt: { token: 'trivial' }, permissionship: 'PERMISSIONSHIP_HAS_PERMISSION' };
app.post('/trivial-hono', async (c) => {
  await c.req.json();
  return c.json(BODY);
});
app.get('/trivial', (c) => c.json(BODY));

const front = new Map([
  [
    '/trivial',
    {
      async serve(
        incoming: Parameters<typeof readBodyText>[0],
        outgoing: Parameters<typeof sendJson>[0],
      ) {
        JSON.parse(await readBodyText(incoming));
        sendJson(outgoing, 200, JSON.stringify(BODY));
      },
    },
  ],
]);

const server = serve(
  {
    fetch: withNodeFront(app.fetch, front),
    port: Number(process.argv[2] ?? 0),
    hostname: '127.0.0.1',
  },
  (info) => {
    process.stdout.write(`listening ${info.port}\n`);
  },
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
