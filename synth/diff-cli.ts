/**
 * `npm run synth:diff -- BASE.json HEAD.json [--config Pulumi.<stack>.yaml]`: a Markdown report of
 * what HEAD changes. With --config (the head's stack file), the report also lists the changes that
 * the record a deployment of BASE leaves (its `deployedSettings` output) refuses.
 *
 * `npm run synth:diff -- --cut REPORT.md --limit N --full-report-at TEXT`: the report cut to N
 * characters on a section boundary, saying what was left out and where the full report is.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEPLOYED_SETTINGS_OUTPUT, immutableChangeProblems, readDeployedSettings } from "../stacks/deployed";
import { PLATFORM_KEY } from "../stacks/errors";
import { parseWithTenantStacks } from "../stacks/load";
import { cutMarkdown, renderDiffMarkdown } from "./diff";
import { readStackFile } from "./stack-file";
import type { SynthGraph } from "./synthesize";

const USAGE = "usage: npm run synth:diff -- BASE.json HEAD.json [--config Pulumi.<stack>.yaml]\n       npm run synth:diff -- --cut REPORT.md --limit N --full-report-at TEXT";

function readGraph(file: string): SynthGraph {
  let graph: SynthGraph;
  try {
    graph = JSON.parse(readFileSync(file, "utf8")) as SynthGraph;
  } catch (error) {
    throw new Error(`${file}: not a readable synth JSON file (${(error as Error).message})`);
  }
  if (!Array.isArray(graph.resources)) throw new Error(`${file}: not a synth graph (no resources array)`);
  return graph;
}

/**
 * What the record BASE's deployment would leave refuses in the head's config: the check the
 * program makes against the real previous deployment (stacks/load.ts), made here so the report
 * says it at the top instead of only failing the real preview. A config that does not parse
 * refuses nothing here: synth of the head reports its problems.
 */
export function recordRefusals(base: SynthGraph, configFile: string, stack: string): string[] {
  const deployed = readDeployedSettings(base.outputs?.[DEPLOYED_SETTINGS_OUTPUT]);
  if (!deployed) return [];
  const text = readStackFile(configFile).config[PLATFORM_KEY];
  let raw: unknown;
  try {
    raw = text === undefined ? undefined : JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = parseWithTenantStacks(raw, stack, { projectRoot: path.dirname(path.resolve(configFile)) });
  return parsed.ok ? immutableChangeProblems(parsed.config, deployed) : [];
}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function main(argv: readonly string[]): number {
  try {
    if (argv[0] === "--cut") {
      const [file, limit, at] = [argv[1], Number(option(argv, "--limit")), option(argv, "--full-report-at")];
      if (argv.length !== 6 || !file || !Number.isSafeInteger(limit) || limit < 1000 || !at) {
        console.error(USAGE);
        return 1;
      }
      process.stdout.write(cutMarkdown(readFileSync(file, "utf8"), limit, at));
      return 0;
    }
    const config = option(argv, "--config");
    const files = argv.filter((a, i) => a !== "--config" && argv[i - 1] !== "--config");
    if (files.length !== 2 || (argv.includes("--config") && !config) || files.some((f) => f.startsWith("--"))) {
      console.error(USAGE);
      return 1;
    }
    const [base, head] = files.map(readGraph);
    const refusals = config ? recordRefusals(base, config, head.stack) : [];
    process.stdout.write(renderDiffMarkdown(base, head, undefined, { refusals }));
    return 0;
  } catch (error) {
    // A file that cannot be read or parsed (StackFileError among them): its message, exit 1.
    console.error((error as Error).message);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
