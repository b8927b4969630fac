// LangChain ChatOpenAI: invoke, then stream.
import { ChatOpenAI } from '@langchain/openai';
import { apiKey, model, root, run } from './common.mjs';

await run(async () => {
  const chat = new ChatOpenAI({ model, apiKey, configuration: { baseURL: `${root}/v1` } });
  const answer = await chat.invoke('Say hello');
  let streamed_text = '';
  let chunks = 0;
  for await (const chunk of await chat.stream('Say hello')) {
    ++chunks;
    streamed_text += chunk.content;
  }
  return { content: answer.content, usage: answer.usage_metadata ?? null, streamed_text, chunks };
});
