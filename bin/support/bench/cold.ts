/**
 * `npm run bench:cold`: every function of the stack (lib/routes.ts, lib/consumers.ts, the
 * workflow's tasks) bundled with esbuild as the CDK stack bundles it (FUNCTION_BUNDLING of
 * lib/constructs/service-functions.ts, translated to esbuild's options as NodejsFunction does),
 * its size, the packages that make it up, and its module initialisation time in a fresh Node
 * process (the median of a few runs), loaded as the Lambda runtime loads it (a CommonJS index.js
 * through require, an index.mjs through import) from a directory with no node_modules, as
 * /var/task has none: what a cold start pays before the handler runs. Over 300 KB or 40 ms is
 * flagged; nothing fails.
 */
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { QUEUE_CONSUMERS, QUEUES, SCHEDULED_JOBS, STREAM_CONSUMERS } from '../../../lib/consumers';
import { WORKFLOW_TASKS } from '../../../lib/constructs/order-workflow';
import { FUNCTION_BUNDLING, PROJECT_ROOT } from '../../../lib/constructs/service-functions';
import { ENV } from '../../../lib/env-names';
import { ROUTES } from '../../../lib/routes';
import { fmt, median, table } from './stats';

export const LIMITS = { bundleKb: 300, initMs: 40 };
/** The Lambda runtime's Node (Runtime.NODEJS_24_X), also what esbuild targets. */
const TARGET = 'node24';
const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
/** NodejsFunction's file name for each output format. */
const OUT_FILE: Record<OutputFormat, string> = { [OutputFormat.CJS]: 'index.js', [OutputFormat.ESM]: 'index.mjs' };

export interface ColdSettings {
  /** Only these modules (BENCH_COLD_FUNCTIONS, comma-separated, e.g. api/health); default: all. */
  readonly only?: readonly string[];
  /** Fresh processes per function (BENCH_COLD_RUNS, default 5). */
  readonly runs: number;
  /**
   * NODE_OPTIONS of the timed processes (BENCH_COLD_NODE_OPTIONS), e.g. `--enable-source-maps` to
   * see what it would cost; default: none, as the stack sets none.
   */
  readonly nodeOptions?: string;
}

export interface ColdResult {
  readonly module: string;
  readonly bundleKb: number;
  readonly initMs: number;
  readonly initRuns: number[];
  /** The largest packages in the bundle, KB each (`(ours)` is functions/ and lib/). */
  readonly parts: [string, number][];
}

/** Every function module of the stack, each once. */
export function allFunctionModules(): string[] {
  return [
    ...new Set([
      ...ROUTES.map((route) => `api/${route.handler}`),
      ...[...STREAM_CONSUMERS, ...QUEUE_CONSUMERS, ...SCHEDULED_JOBS].map((consumer) => consumer.handler),
      ...WORKFLOW_TASKS.map((task) => task.module),
    ]),
  ];
}

/** NodejsFunction's bundling options as esbuild's; an option not translated here fails loudly rather than being ignored. */
export function esbuildOptions(bundling: Record<string, unknown> = FUNCTION_BUNDLING): BuildOptions {
  const options: BuildOptions = { bundle: true, platform: 'node', target: TARGET, write: false, metafile: true, logLevel: 'silent' };
  const external = bundling.bundleAwsSDK ? [] : ['@aws-sdk/*'];
  for (const [key, value] of Object.entries(bundling)) {
    switch (key) {
      case 'format': options.format = value as BuildOptions['format']; break;
      case 'mainFields': options.mainFields = value as string[]; break;
      case 'banner': options.banner = { js: value as string }; break;
      case 'footer': options.footer = { js: value as string }; break;
      case 'minify': options.minify = value as boolean; break;
      case 'keepNames': options.keepNames = value as boolean; break;
      case 'sourceMap': options.sourcemap = value ? 'linked' : false; break;
      case 'sourcesContent': options.sourcesContent = value as boolean; break;
      case 'define': options.define = value as Record<string, string>; break;
      case 'loader': options.loader = value as BuildOptions['loader']; break;
      case 'target': options.target = value as string; break;
      case 'externalModules': external.splice(0, external.length, ...(value as string[])); break;
      case 'bundleAwsSDK': case 'forceDockerBundling': break;
      default: throw new Error(`bench:cold does not translate the bundling option '${key}' yet (bin/support/bench/cold.ts)`);
    }
  }
  return { ...options, external };
}

export async function runCold(settings: ColdSettings, print: (line: string) => void): Promise<ColdResult[]> {
  const modules = settings.only?.length ? settings.only : allFunctionModules();
  const dir = mkdtempSync(join(tmpdir(), 'crowdstart-cold-'));
  try {
    print(`bundling ${modules.length} functions as the CDK stack does …`);
    const bundles = await Promise.all(modules.map((module) => bundle(module, dir)));
    const results: ColdResult[] = [];
    for (const [i, b] of bundles.entries()) {
      const initRuns: number[] = [];
      for (let run = 0; run < settings.runs; run++) initRuns.push(await initMs(b.file, settings.nodeOptions));
      results.push({ module: b.module, bundleKb: b.bytes / 1024, initMs: median(initRuns), initRuns, parts: b.parts });
      process.stderr.write(`\r  init ${i + 1}/${bundles.length} ${b.module}`.padEnd(70) + (i + 1 === bundles.length ? '\n' : ''));
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundle(module: string, dir: string) {
  const outDir = join(dir, module.replace(/\W+/g, '-'));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, OUT_FILE[FUNCTION_BUNDLING.format]);
  const result = await build({ ...esbuildOptions(), entryPoints: [join(PROJECT_ROOT, 'functions', `${module}.ts`)], outfile: file });
  for (const output of result.outputFiles!) writeFileSync(output.path, output.contents);
  const js = result.outputFiles!.find((o) => o.path === file)!;
  return { module, file, bytes: js.contents.byteLength, parts: partsOf(result.metafile!) };
}

/** Bytes in the output by package (node_modules/<name> or <@scope/name>), largest first. */
function partsOf(metafile: Metafile): [string, number][] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint)!;
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match ? match[1]! : '(ours)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, bytes]) => [name, bytes / 1024]);
}

const run = promisify(execFile);

/**
 * The module's load in a fresh Node process, timed from inside it (process start-up excluded).
 * The Lambda runtime is itself an ES module: it requires a `.js` handler through createRequire
 * and imports a `.mjs` one.
 */
async function initMs(file: string, nodeOptions = ''): Promise<number> {
  const load = file.endsWith('.mjs') ? `await import(${JSON.stringify(pathToFileURL(file).href)})` : `require(${JSON.stringify(file)})`;
  const script = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const t = performance.now(); ${load}; console.log(performance.now() - t);`;
  const { stdout } = await run(NODE, ['--input-type=module', '-e', script], { env: { ...lambdaEnv(), NODE_OPTIONS: nodeOptions }, cwd: tmpdir() });
  return Number(stdout.trim().split('\n').pop());
}

/** What Lambda and the stack give a function at start: enough for module-scope code to run. */
function lambdaEnv(): NodeJS.ProcessEnv {
  const settings = Object.fromEntries(Object.values(ENV).map((name) => [name, name.endsWith('_SECONDS') || name.startsWith('MAX_') ? '60' : `bench-cold-${name.toLowerCase()}`]));
  const queues = Object.fromEntries(QUEUES.map((q) => [q.urlEnvVar, `https://sqs.us-east-1.amazonaws.com/000000000000/${q.id}`]));
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_FUNCTION_NAME: 'bench-cold',
    POWERTOOLS_SERVICE_NAME: 'crowdstart',
    ...settings,
    [ENV.stateMachineArn]: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench-cold',
    ...queues,
  };
}

export function coldLines(results: readonly ColdResult[]): string[] {
  const flag = (r: ColdResult) => [r.bundleKb > LIMITS.bundleKb ? 'SIZE' : '', r.initMs > LIMITS.initMs ? 'INIT' : ''].filter(Boolean).join(' ');
  const rows = [...results]
    .sort((a, b) => b.bundleKb - a.bundleKb)
    .map((r) => [r.module, fmt(r.bundleKb, 0), fmt(r.initMs), flag(r), r.parts.map(([name, kb]) => `${name} ${kb.toFixed(0)}`).join(', ')]);
  const sizes = results.map((r) => r.bundleKb);
  const inits = results.map((r) => r.initMs);
  return [
    ...table(['function', 'bundle KB', 'init ms', `> ${LIMITS.bundleKb} KB / ${LIMITS.initMs} ms`, 'largest parts (KB)'], rows),
    '',
    `${results.length} functions: bundle ${fmt(Math.min(...sizes), 0)}–${fmt(Math.max(...sizes), 0)} KB (median ${fmt(median(sizes), 0)}), ` +
      `init ${fmt(Math.min(...inits))}–${fmt(Math.max(...inits))} ms (median ${fmt(median(inits))}); ` +
      `over ${LIMITS.bundleKb} KB: ${results.filter((r) => r.bundleKb > LIMITS.bundleKb).length}, over ${LIMITS.initMs} ms: ${results.filter((r) => r.initMs > LIMITS.initMs).length}.`,
    'Init: the median of fresh `node` processes loading the bundle as the Lambda runtime does, on this shared machine; a Lambda cold start adds the runtime\'s own start.',
  ];
}
