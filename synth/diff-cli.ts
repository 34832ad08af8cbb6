/** `npm run synth:diff -- BASE.json HEAD.json`: a Markdown report of what HEAD changes. */
import { readFileSync } from "node:fs";
import { renderDiffMarkdown } from "./diff";
import type { SynthGraph } from "./synthesize";

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

export function main(argv: readonly string[]): number {
  if (argv.length !== 2) {
    console.error("usage: npm run synth:diff -- BASE.json HEAD.json");
    return 1;
  }
  try {
    process.stdout.write(renderDiffMarkdown(readGraph(argv[0]), readGraph(argv[1])));
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
