import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const directory = mkdtempSync(join(tmpdir(), 'route-cli-'));

function file(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function runCli(args: string[], input?: string) {
  const result = spawnSync('npx', ['tsx', 'scripts/route.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface CliPlan {
  /** The chosen model as a list of one (empty when nothing qualifies), like `chain`. */
  chosen: Array<{ provider: string; model: string }>;
  chain: Array<{ provider: string; model: string }>;
  candidates: Array<{
    provider: string;
    model: string;
    finalScore: number;
    reasons: string[];
    contributions: Record<string, number>;
  }>;
  ruledOut: Array<{ provider: string; model: string; reason: string }>;
  analysis: { task: string };
  error?: { name: string; ruledOut: unknown[] };
}

const codingRequest = file('coding.json', {
  prompt: 'Write a TypeScript function that parses RFC 3339 timestamps and add unit tests.',
});
const seedSettings = file('settings.json', {
  providers: {
    anthropic: { apiKey: 'sk-test', priority: 100 },
    openai: { apiKey: 'sk-test', priority: 60 },
    deepseek: { apiKey: 'sk-test', priority: 40 },
  },
  priorities: { local: 80 },
  localModels: ['llama-3.3-70b'],
  gateway: 'openrouter',
  budgetUsd: 5,
});

describe('npm run route', () => {
  it('--json prints one object with chosen, chain and candidates', () => {
    const { status, stdout } = runCli([codingRequest, '--json', '--settings', seedSettings]);
    expect(status).toBe(0);
    const plan = JSON.parse(stdout) as CliPlan;
    expect(plan.analysis.task).toBe('coding');
    expect(plan.chosen).toHaveLength(1);
    expect(plan.chosen[0]?.provider).toBe('anthropic');
    expect(plan.chain[0]).toEqual(plan.chosen[0]);
    expect(plan.chain.at(-1)?.provider).toBe('openrouter');
    expect(plan.candidates.length).toBeGreaterThan(plan.chain.length);
    for (const candidate of plan.candidates) {
      expect(candidate.reasons.length).toBeGreaterThan(0);
      expect(Object.keys(candidate.contributions)).toHaveLength(16);
    }
    const providers = new Set(plan.candidates.map((candidate) => candidate.provider));
    expect(providers.has('google')).toBe(false);
    expect(plan.ruledOut.find((entry) => entry.provider === 'google')?.reason).toBe(
      'no API key for google',
    );
  }, 60_000);

  it('reads the request from stdin and, without settings, counts every provider as available', () => {
    const { status, stdout } = runCli(
      ['-', '--json'],
      JSON.stringify({ prompt: 'Translate into Spanish: good night' }),
    );
    expect(status).toBe(0);
    const plan = JSON.parse(stdout) as CliPlan;
    expect(plan.analysis.task).toBe('translation');
    expect(plan.ruledOut.filter((entry) => entry.reason.startsWith('no API key'))).toEqual([]);
  }, 60_000);

  it('prints a readable table by default', () => {
    const { status, stdout } = runCli([codingRequest, '--settings', seedSettings]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Task: coding \(inferred\)/);
    expect(stdout).toMatch(/Chosen: anthropic\//);
    expect(stdout).toMatch(/Fallback chain:/);
    expect(stdout).toMatch(/Ruled out \(\d+\):/);
  }, 60_000);

  it('exits with 2 and the reasons when no model can serve the request', () => {
    const impossible = file('impossible.json', {
      prompt: 'Describe this image',
      constraints: { privacy: 'local-only', capabilities: ['vision'] },
    });
    const { status, stdout } = runCli([impossible, '--json', '--settings', seedSettings]);
    expect(status).toBe(2);
    const plan = JSON.parse(stdout) as CliPlan;
    expect(plan.chosen).toEqual([]);
    expect(plan.error?.name).toBe('NotSupportedError');
    expect(plan.error?.ruledOut.length).toBeGreaterThan(50);
  }, 60_000);

  it('explains its usage when the request is missing', () => {
    const { status, stderr } = runCli([]);
    expect(status).toBe(64);
    expect(stderr).toMatch(/Usage: npm run route/);
  }, 60_000);
});
