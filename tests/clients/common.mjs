// Shared by the scenarios: where the gateway is, and one JSON line on stdout.
// SWITCHYARD_BASE_URL is the gateway root (http://127.0.0.1:PORT), without /v1.
export const root = process.env.SWITCHYARD_BASE_URL;
export const apiKey = process.env.SWITCHYARD_API_KEY ?? 'sk-none';
export const model = process.env.SWITCHYARD_MODEL ?? 'test/alpha';
if (!root) throw new Error('SWITCHYARD_BASE_URL is not set');

export async function run(scenario) {
  try {
    const result = await scenario();
    process.stdout.write(JSON.stringify({ ok: true, ...result }) + '\n');
  } catch (err) {
    const error = { name: err?.name, message: String(err?.message ?? err), status: err?.status };
    process.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
    process.exitCode = 1;
  }
}
