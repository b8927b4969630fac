// Anthropic client: models.list(), every page.
import Anthropic from '@anthropic-ai/sdk';
import { apiKey, root, run } from './common.mjs';

await run(async () => {
  const client = new Anthropic({ baseURL: root, apiKey });
  const models = [];
  for await (const info of client.models.list()) models.push(info);
  const page = await client.models.list();
  return {
    ids: models.map((m) => m.id),
    types: models.map((m) => m.type),
    display_names: models.map((m) => m.display_name),
    created_at: models.map((m) => m.created_at),
    has_more: page.has_more,
    first_id: page.first_id,
    last_id: page.last_id,
  };
});
