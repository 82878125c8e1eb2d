// `npm run build:client`: compiles the site developers' kit (client/src/llm-broker-client.ts)
// into the files a site uses as they are — client/llm-broker-client.js (one ES module, no
// dependencies) and its declarations, client/llm-broker-client.d.ts with the contract's types
// in client/types/ — so they are in the repository for anyone to copy. A test checks that the
// committed files are what this script writes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const client = join(root, 'client');
const build = join(root, '.cache/client-build');

export function buildClient(outDirectory = client) {
  rmSync(build, { recursive: true, force: true });
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(client, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  const { version } = JSON.parse(readFileSync(join(client, 'package.json'), 'utf8'));
  const header = `// LLM Broker client kit ${version} — the kit for sites that use LLM Broker (docs/api.md).
// Generated from client/src/llm-broker-client.ts by \`npm run build:client\`; copy it as it is.
`;
  const compiled = join(build, 'client/src/llm-broker-client');
  mkdirSync(join(outDirectory, 'types'), { recursive: true });
  // As the compiler writes them (the linter leaves generated files alone: biome.json).
  const write = (name, text) => writeFileSync(join(outDirectory, name), text);
  write('llm-broker-client.js', header + readFileSync(`${compiled}.js`, 'utf8'));
  write(
    'llm-broker-client.d.ts',
    readFileSync(`${compiled}.d.ts`, 'utf8').replaceAll('../../src/protocol/', './types/'),
  );
  const protocol = join(build, 'src/protocol');
  for (const name of readdirSync(protocol).filter((file) => file.endsWith('.d.ts'))) {
    write(`types/${name}`, readFileSync(join(protocol, name), 'utf8'));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  buildClient();
  console.log('Wrote client/llm-broker-client.js, client/llm-broker-client.d.ts and client/types/');
}
