/** `/v1/schema/read` and `/v1/schema/write` (with `dryRun`: validate without storing). */
import { type App, type AppDeps, addRoute } from '../route.ts';
import * as W from '../wire/schema.ts';

export function addSchemaRoutes(app: App, deps: AppDeps): void {
  const { clove } = deps;

  addRoute(
    app,
    deps,
    {
      path: '/v1/schema/read',
      summary: 'Read the current schema',
      description: 'Fails with `schema_not_found` (404) before the first schema write.',
      tag: 'Schema',
      role: 'reader',
      body: W.ReadSchemaRequest,
      response: W.ReadSchemaResponse,
    },
    async (_c, _body, call) => {
      const { text, zookie } = await clove.readSchema({
        consistency: { mode: 'fully_consistent' },
        signal: call.signal,
      });
      return { schemaText: text, readAt: { token: zookie } };
    },
  );

  addRoute(
    app,
    deps,
    {
      path: '/v1/schema/write',
      summary: 'Write the schema',
      description:
        'Compiles and stores the schema. Errors carry every diagnostic in `details.diagnostics`. ' +
        'A change that would orphan stored relationships fails with `schema_in_use`. With ' +
        '`dryRun: true` the schema is only validated (including that check) and nothing is stored.',
      tag: 'Schema',
      role: 'admin',
      body: W.WriteSchemaRequest,
      response: W.WriteSchemaResponse,
    },
    async (_c, body) => {
      const out = await clove.writeSchema(body.schema, { dryRun: body.dryRun === true });
      return out.dryRun
        ? { writtenAt: { token: out.zookie }, dryRun: true }
        : { writtenAt: { token: out.zookie } };
    },
  );
}
