/**
 * A test about the codebase: the repository stands alone. A clone with nothing beside it must
 * build, test and benchmark, so no tracked file may reach outside the repository for data or
 * documents (data/SOURCE.md names where the copied data came from). `.ci/run` also proves it
 * for real by running the unit tests in a lone clone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((path) => path !== '' && !path.startsWith('data/') && existsSync(resolve(root, path)));

/** Paths that lead out of the repository root into the shared folder beside it. */
const OUTSIDE = /(^|[\s'"`(=])\.\.\/(shared|\.\.\/shared)\b/;

describe('the repository', () => {
  it('reads nothing from outside itself', () => {
    const offenders = tracked.filter((path) => {
      if (!/\.(ts|tsx|mjs|js|json|md|html|sh)$/.test(path) && !path.startsWith('.ci/'))
        return false;
      return OUTSIDE.test(readFileSync(resolve(root, path), 'utf8'));
    });
    expect(offenders).toEqual([]);
  });

  it('names the source of every data file it carries', () => {
    const sources = readFileSync(resolve(root, 'data/SOURCE.md'), 'utf8');
    const dataFiles = execFileSync('git', ['ls-files', 'data'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path !== '' && path !== 'data/SOURCE.md');
    expect(dataFiles.length).toBeGreaterThan(0);
    for (const path of dataFiles) {
      const name = path.split('/').at(-1)!;
      expect(sources, `data/SOURCE.md says nothing of ${path}`).toContain(
        name.replace(/\.gz$/, ''),
      );
    }
  });
});
