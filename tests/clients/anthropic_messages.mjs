// Anthropic client: one message, then one streamed message.
import Anthropic from '@anthropic-ai/sdk';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  // The Anthropic client's base URL is the bare host: it appends /v1/messages.
  const client = new Anthropic({ baseURL: root, apiKey });
  const msg = await client.messages.create({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  const stream = client.messages.stream({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  let streamed_text = '';
  stream.on('text', (t) => { streamed_text += t; });
  const final = await stream.finalMessage();
  return {
    content: msg.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
    stop_reason: msg.stop_reason,
    usage: msg.usage,
    streamed_text,
    stream_stop_reason: final.stop_reason,
    stream_usage: final.usage,
  };
});
