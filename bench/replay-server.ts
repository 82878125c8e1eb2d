/**
 * A loopback OpenAI-format server for timing the bridge: every answer is composed once, at start,
 * as the exact bytes of its SSE stream, and sent with one write — so the time between a request
 * and its first byte is the network stack's, not the server's (the test server composes each
 * answer per request, which takes longer than the differences being measured).
 *
 * POST /v1/chat/completions answers the long stream when the request's text contains
 * LONG_MARKER, the short one otherwise; GET /v1/models answers the key check. CORS is open, with
 * a day-long preflight cache, so a page can fetch it directly as often as the extension does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LONG_MARKER = 'long answer';

export interface ReplayServer {
  url: string;
  /** Text chunks in the short and the long answer. */
  chunks: { short: number; long: number };
  close(): Promise<void>;
}

function sseStream(pieces: readonly string[]): Buffer {
  const base = { id: 'chatcmpl-replay', object: 'chat.completion.chunk', created: 0 };
  const model = 'gpt-4.1-nano';
  const events = [
    { ...base, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
    ...pieces.map((content) => ({
      ...base,
      model,
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    })),
    { ...base, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    {
      ...base,
      model,
      choices: [],
      usage: {
        prompt_tokens: 12,
        completion_tokens: pieces.length,
        total_tokens: 12 + pieces.length,
      },
    },
  ];
  const text = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');
  return Buffer.from(`${text}data: [DONE]\n\n`);
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-max-age': '86400',
};

export async function startReplayServer(
  options: { shortChunks?: number; longChunks?: number } = {},
): Promise<ReplayServer> {
  const shortChunks = options.shortChunks ?? 8;
  const longChunks = options.longChunks ?? 1_001;
  const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index % 97} `);
  const short = sseStream(words(shortChunks));
  const long = sseStream(words(longChunks));
  const models = Buffer.from(
    JSON.stringify({ object: 'list', data: [{ id: 'gpt-4.1-nano', object: 'model' }] }),
  );

  const answer = (request: IncomingMessage, response: ServerResponse, body: string) => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, CORS).end();
    } else if (request.method === 'GET' && request.url?.endsWith('/models')) {
      response.writeHead(200, { ...CORS, 'content-type': 'application/json' }).end(models);
    } else if (request.method === 'POST' && request.url?.endsWith('/chat/completions')) {
      const bytes = body.includes(LONG_MARKER) ? long : short;
      response
        .writeHead(200, {
          ...CORS,
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          'content-length': String(bytes.length),
        })
        .end(bytes);
    } else {
      response.writeHead(404, CORS).end();
    }
  };
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => answer(request, response, Buffer.concat(parts).toString()));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    chunks: { short: shortChunks, long: longChunks },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
