// `npm run package`: a production build zipped for the Chrome Web Store (release/*.zip).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { zipSync } from 'fflate';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

function filesUnder(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const { version } = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
const entries = Object.fromEntries(
  filesUnder(dist)
    .filter((path) => !path.endsWith('.map'))
    .map((path) => [relative(dist, path), readFileSync(path)]),
);
mkdirSync(resolve(root, 'release'), { recursive: true });
const target = resolve(root, `release/llm-broker-${version}.zip`);
const zip = zipSync(entries, { level: 9 });
writeFileSync(target, zip);
console.log(
  `${relative(root, target)}: ${Object.keys(entries).length} files, ${(zip.length / 1024).toFixed(1)} KiB`,
);
