// OpenAI client: the user aborts a stream after the first content chunk.
import OpenAI from 'openai';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  const client = new OpenAI({ baseURL: `${root}/v1`, apiKey });
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model, messages: [{ role: 'user', content: 'Talk a lot' }], stream: true },
    { signal: controller.signal },
  );
  let content = '';
  let aborted = false;
  try {
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content;
      if (piece && !controller.signal.aborted) {
        content += piece;
        controller.abort();
      }
    }
  } catch (err) {
    aborted = err?.name === 'APIUserAbortError' || err?.name === 'AbortError';
    if (!aborted) throw err;
  }
  // for-await may also end quietly after the abort, depending on timing
  aborted = aborted || controller.signal.aborted;
  return { content, aborted, request_id: stream.response?.headers?.get?.('x-request-id') ?? null };
});
