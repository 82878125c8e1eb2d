#!/usr/bin/env node
// Scaffolds a provider (refined-github's new-feature script, for providers): writes
// src/providers/<id>-provider.ts and test/providers/<id>-provider.test.ts from a template for an
// OpenAI-compatible API (the most common kind), and adds the registry line. Then it says what is
// left: catalog entries, privacy facts, the manifest's host permission.
//
//   node scripts/new-provider.mjs <id> "<Name>" --base-url https://api.example.com/v1 \
//     --key-url https://example.com/keys [--trains-on-prompts] [--root <repository>]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE =
  'usage: node scripts/new-provider.mjs <id> "<Name>" --base-url <url> --key-url <url> [--trains-on-prompts] [--root <dir>]';

function fail(message) {
  console.error(`new-provider: ${message}\n${USAGE}`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'base-url': { type: 'string' },
    'key-url': { type: 'string' },
    'trains-on-prompts': { type: 'boolean', default: false },
    root: { type: 'string', default: new URL('..', import.meta.url).pathname },
  },
});
const [id, name] = positionals;
if (!id || !name) fail('an id and a name are needed');
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) fail(`the id "${id}" is not kebab-case`);
const baseUrl = values['base-url'];
const keyUrl = values['key-url'];
if (!baseUrl?.startsWith('https://')) fail('--base-url must be the https:// API address');
if (!keyUrl?.startsWith('https://'))
  fail('--key-url must be the https:// page where keys are made');

/** `deep-infra` → `deepInfraProvider` */
const variable = `${id.replace(/-([a-z0-9])/g, (_, letter) => letter.toUpperCase())}Provider`;
const root = values.root;
const providerPath = join(root, 'src/providers', `${id}-provider.ts`);
const testPath = join(root, 'test/providers', `${id}-provider.test.ts`);
const registryPath = join(root, 'src/providers/provider-registry.ts');
for (const path of [providerPath, testPath]) if (existsSync(path)) fail(`${path} exists already`);

const providerSource = `import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { apiBaseUrl, checkKeyWithGet, modelCountDetail, requireApiKey } from './provider-http';
import type { ProviderDefinition } from './provider-types';

export const ${variable}: ProviderDefinition = {
  id: '${id}',
  name: ${JSON.stringify(name)},
  defaultBaseUrl: '${baseUrl}',
  requiresKey: true,
  keyUrl: '${keyUrl}',
  privacy: {
    location: 'cloud',
    trainsOnPrompts: ${values['trains-on-prompts']},
    // TODO: link the terms that say whether API prompts are used for training.
    source: 'TODO',
  },
  createModel(account, providerModelId, fetch) {
    const client = createOpenAICompatible({
      name: '${id}',
      apiKey: requireApiKey(${variable}, account),
      baseURL: apiBaseUrl(${variable}, account),
      // Without it the stream carries no usage, and the cost could not be settled.
      includeUsage: true,
      ...(fetch ? { fetch } : {}),
    });
    return client.chatModel(providerModelId);
  },
  checkKey(account, fetch) {
    return checkKeyWithGet({
      provider: ${variable},
      account,
      url: \`\${apiBaseUrl(${variable}, account)}/models\`,
      headers: { authorization: \`Bearer \${account.apiKey?.trim()}\` },
      fetch,
      describeAnswer: modelCountDetail,
    });
  },
};
`;

const testSource = `import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ${variable} } from '../../src/providers/${id}-provider';
import { describeProviderError, retryAfterMs } from '../../src/providers/provider-errors';
import { type ProviderServer, startProviderServer } from '../fixtures/provider-server';
import {
  KEY,
  refusedAddress,
  rejectionOf,
  streamAnswer,
  TEXT,
  TEXT_TOKENS,
  WRONG_KEY,
} from './provider-test-kit';

let server: ProviderServer;
const account = () => ({ provider: '${id}', apiKey: KEY, baseUrl: \`\${server.url}/v1\` });

beforeAll(async () => {
  server = await startProviderServer({ kind: 'openai', apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('${id} provider', () => {
  it('streams chat completions with usage and the finish reason', async () => {
    server.script({ kind: 'answer', text: TEXT });
    const answer = await streamAnswer(${variable}.createModel(account(), 'some-model'));
    expect(answer.errors).toEqual([]);
    expect(answer.text).toBe(TEXT);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage?.outputTokens.total).toBe(TEXT_TOKENS);
  });

  it('checks a good key by listing models', async () => {
    expect(await ${variable}.checkKey(account())).toMatchObject({ ok: true });
  });

  it('says where to get a new key when the key is rejected (401)', async () => {
    const result = await ${variable}.checkKey({ ...account(), apiKey: WRONG_KEY });
    expect(result).toMatchObject({ ok: false, status: 401 });
    expect(!result.ok && result.message).toContain('${keyUrl.replace('https://', '')}');
  });

  it('reads a 404 of the key check as a wrong API address', async () => {
    const result = await ${variable}.checkKey({ ...account(), baseUrl: \`\${server.url}/v9\` });
    expect(result).toMatchObject({ ok: false, status: 404 });
  });

  it('says nothing answered when the connection is refused', async () => {
    const address = await refusedAddress();
    const result = await ${variable}.checkKey({ ...account(), baseUrl: address });
    expect(!result.ok && result.message).toContain('connection refused');
  });

  it('a 429 carries its Retry-After and is retryable', async () => {
    server.script({ kind: 'rate-limit', retryAfterSeconds: 2 });
    const error = await rejectionOf(streamAnswer(${variable}.createModel(account(), 'some-model')));
    expect(retryAfterMs(error)).toBe(2000);
    expect(describeProviderError(${variable}, error)).toMatchObject({ kind: 'rate-limit', retryable: true });
  });
});
`;

/** Adds the import after the last provider import, and the entry at the end of PROVIDERS. */
function withRegistryLine(registry) {
  const importLine = `import { ${variable} } from './${id}-provider';\n`;
  const typesImport = "import type { ProviderDefinition } from './provider-types';";
  const listEnd = /\n\];\n/;
  if (!registry.includes(typesImport) || !listEnd.test(registry)) {
    fail('provider-registry.ts no longer has the shape this script edits; add the line by hand');
  }
  return registry
    .replace(typesImport, `${importLine}${typesImport}`)
    .replace(listEnd, `\n  ${variable},\n];\n`);
}

writeFileSync(providerPath, providerSource);
writeFileSync(testPath, testSource);
writeFileSync(registryPath, withRegistryLine(readFileSync(registryPath, 'utf8')));

console.log(`Wrote ${providerPath}
Wrote ${testPath}
Added ${variable} to ${registryPath}

Left to do (the codebase test, test/codebase/providers-registry.test.ts, checks each):
  1. privacy.source in the provider file: link the terms; check trainsOnPrompts.
  2. Catalog entries with provider "${id}" (scripts/build-catalog.ts), and its facts in
     src/catalog/catalog-providers.ts.
  3. The host permission "${new URL(baseUrl).origin}/*" in manifest.json.
  4. npx biome check --write ${providerPath} ${testPath} ${registryPath}
  5. npx vitest run ${testPath} test/codebase/providers-registry.test.ts`);
