// Vercel AI SDK: generateText, then streamText, through its OpenAI provider.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  const openai = createOpenAI({ baseURL: `${root}/v1`, apiKey, compatibility: 'strict' });
  const generated = await generateText({ model: openai(model), prompt: 'Say hello' });
  const streamed = streamText({ model: openai(model), prompt: 'Say hello' });
  let streamed_text = '';
  for await (const piece of streamed.textStream) streamed_text += piece;
  return {
    content: generated.text,
    finish_reason: generated.finishReason,
    usage: generated.usage,
    streamed_text,
    stream_finish_reason: await streamed.finishReason,
    stream_usage: await streamed.usage,
  };
});
