// OpenAI client: one chat completion.
import OpenAI from 'openai';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  const client = new OpenAI({ baseURL: `${root}/v1`, apiKey });
  const res = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  return {
    content: res.choices[0].message.content,
    finish_reason: res.choices[0].finish_reason,
    model: res.model,
    usage: res.usage,
  };
});
