// `npm run package`: production builds zipped for the stores, with their sizes.
//   release/llm-broker-<version>-chrome.zip    the Chrome Web Store upload (dist/)
//   release/llm-broker-<version>-firefox.zip   the addons.mozilla.org upload (dist-firefox/)
//   release/llm-broker-<version>-source.zip    the sources AMO asks for with bundled code
//                                               (the committed tree: `git archive HEAD`)
// Options: --no-build (zip dist/ and dist-firefox/ as they are).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { zipSync } from 'fflate';

const root = resolve(import.meta.dirname, '..');
const release = resolve(root, 'release');

if (!process.argv.includes('--no-build')) {
  for (const mode of ['production', 'firefox']) {
    const build = spawnSync('npx', ['vite', 'build', '--mode', mode, '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
}

function filesUnder(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Zips a build folder; the manifest sits at the zip's root, as both stores require. */
function zipBuild(directory, name) {
  const files = filesUnder(directory).filter((path) => !path.endsWith('.map'));
  const entries = Object.fromEntries(
    files.map((path) => [relative(directory, path), readFileSync(path)]),
  );
  const zip = zipSync(entries, { level: 9 });
  const target = join(release, name);
  writeFileSync(target, zip);
  const unpacked = files.reduce((sum, path) => sum + statSync(path).size, 0);
  console.log(
    `${relative(root, target)}: ${files.length} files, ${kib(zip.length)} (${kib(unpacked)} unpacked)`,
  );
}

const { version } = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
mkdirSync(release, { recursive: true });
zipBuild(resolve(root, 'dist'), `llm-broker-${version}-chrome.zip`);
zipBuild(resolve(root, 'dist-firefox'), `llm-broker-${version}-firefox.zip`);
const source = join(release, `llm-broker-${version}-source.zip`);
execFileSync('git', ['archive', '--format=zip', '-o', source, 'HEAD'], { cwd: root });
console.log(`${relative(root, source)}: ${kib(statSync(source).size)} (git archive HEAD)`);
