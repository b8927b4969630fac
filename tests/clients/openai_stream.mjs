// OpenAI client: a streamed chat completion with the usage chunk.
import OpenAI from 'openai';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  const client = new OpenAI({ baseURL: `${root}/v1`, apiKey });
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  let chunks = 0;
  let finish_reason = null;
  let usage = null;
  for await (const chunk of stream) {
    ++chunks;
    const choice = chunk.choices[0];
    if (choice?.delta?.content) content += choice.delta.content;
    if (choice?.finish_reason) finish_reason = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, chunks, finish_reason, usage };
});
