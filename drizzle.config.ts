/** drizzle-kit configuration: migrations in `drizzle/` are generated from the store's table definitions. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/tables.ts',
  out: './drizzle',
});
