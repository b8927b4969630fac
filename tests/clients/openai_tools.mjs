// OpenAI client: a tool call comes back with its name and JSON arguments.
import OpenAI from 'openai';
import { apiKey, model, root, run } from './common.mjs';

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];

await run(async () => {
  const client = new OpenAI({ baseURL: `${root}/v1`, apiKey });
  const res = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools,
  });
  const choice = res.choices[0];
  const call = choice.message.tool_calls?.[0];
  return {
    finish_reason: choice.finish_reason,
    tool_name: call?.function?.name,
    tool_arguments: call ? JSON.parse(call.function.arguments) : null,
    tool_call_id: call?.id,
  };
});
