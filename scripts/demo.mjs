// `npm run demo`: serves the demo site (examples/demo/) on 127.0.0.1 — a page that uses every
// call of window.llm, the Prompt API and the client kit. It also stands in for "the site's own
// endpoint" the kit falls back to: /api/v1/chat/completions answers in OpenAI's wire format with
// a canned text, so the fallback can be seen without any key. PORT sets the port (default 5178).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const DEMO = join(root, 'examples/demo');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const FALLBACK_TEXT =
  'This answer comes from the demo site’s own endpoint, not from LLM Broker: the client kit fell back to it because the broker could not serve this request (it is not installed, or this site has no permission yet). A real site would put its own model here — and pay for it.';

/** What a file path under the demo maps to; the kit is served from client/. */
function fileOf(pathname) {
  if (pathname === '/') return join(DEMO, 'index.html');
  if (pathname.startsWith('/client/')) return normalize(join(root, pathname));
  return normalize(join(DEMO, pathname));
}

/** The stand-in endpoint: a chat completion, streamed word by word or whole. */
async function answerChat(request, response) {
  let body = '';
  for await (const chunk of request) body += chunk;
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: 'The body is not JSON.' } }));
    return;
  }
  const words = FALLBACK_TEXT.split(/(?<= )/);
  const usage = {
    prompt_tokens: 12,
    completion_tokens: words.length,
    total_tokens: 12 + words.length,
  };
  const id = `demo-${Date.now()}`;
  if (!parsed.stream) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        model: parsed.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: FALLBACK_TEXT },
            finish_reason: 'stop',
          },
        ],
        usage,
      }),
    );
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (data) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  for (const word of words) {
    if (response.destroyed) return;
    send({
      id,
      object: 'chat.completion.chunk',
      model: parsed.model,
      choices: [{ index: 0, delta: { content: word }, finish_reason: null }],
    });
    await new Promise((done) => setTimeout(done, 25));
  }
  send({
    id,
    object: 'chat.completion.chunk',
    model: parsed.model,
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  });
  send({ id, object: 'chat.completion.chunk', model: parsed.model, choices: [], usage });
  response.end('data: [DONE]\n\n');
}

/** Starts the demo server; resolves with its URL and a way to stop it. */
export function startDemoServer({ port = 5178, host = '127.0.0.1' } = {}) {
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://demo');
    if (pathname === '/api/v1/chat/completions' && request.method === 'POST') {
      await answerChat(request, response);
      return;
    }
    const file = fileOf(decodeURIComponent(pathname));
    if (!file.startsWith(DEMO) && !file.startsWith(join(root, 'client'))) {
      response.writeHead(404).end('not found');
      return;
    }
    try {
      const content = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      });
      response.end(content);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolveStart({
        url: `http://${host}:${actual}/`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const port = Number(process.env.PORT ?? 5178);
  try {
    const { url } = await startDemoServer({ port });
    console.log(`The LLM Broker demo site: ${url}`);
    console.log(
      'Open it in the browser that has LLM Broker (npm start opens one). Ctrl+C stops it.',
    );
  } catch (error) {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} is taken; choose another: PORT=5179 npm run demo`
        : `npm run demo: ${error.message}`,
    );
    process.exit(1);
  }
}
