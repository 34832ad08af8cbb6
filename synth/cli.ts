/**
 * `npm run synth -- <stack> [--json FILE] [--config FILE] [--today YYYY-MM-DD] [--previous FILE] [--platform-outputs FILE]`:
 * the stack's desired state without credentials. A platform stack comes with every tenant stack
 * of its environment (tenants/Pulumi.<environment>-*.yaml); a tenant stack (`stage-payments`) alone,
 * against its platform stack's synthesized outputs or `--platform-outputs` (`pulumi stack output
 * --json --show-secrets` of the real one). Exit codes: 0 ok, 1 invalid config or a Kubernetes object that breaks its schema,
 * 2 a mandatory security policy or deploy rule is violated (advisory findings are only listed).
 *
 * The entry point only: what synth does is synth/cli-main.ts, which this module loads when it is
 * first needed, and as the entry point after one turn of the event loop (below).
 */
import "./compile-cache";
import type * as CliMain from "./cli-main";

export type { CliArgs } from "./cli-main";

function cliMain(): typeof CliMain {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("./cli-main") as typeof CliMain;
}

/** `program` replaces index.ts (tests use it to synthesize a deliberately broken object). */
export async function main(argv: readonly string[], program?: () => unknown): Promise<number> {
  return cliMain().main(argv, program);
}

export function parseArgs(argv: readonly string[]): CliMain.CliArgs | string {
  return cliMain().parseArgs(argv);
}

/** A synth graph's outputs, or the file itself when it is a plain outputs object. */
export function readPreviousOutputs(file: string): Record<string, unknown> {
  return cliMain().readPreviousOutputs(file);
}

if (require.main === module) {
  // The SDK and the program (about 900 CommonJS modules) are loaded after one turn of the event
  // loop, not while this entry module is evaluated: tsx, which runs synth, checks every .js file
  // it loads for ES module syntax with es-module-lexer, whose WebAssembly build it instantiates
  // asynchronously when it registers. Until a turn of the event loop has passed, every check
  // runs the lexer's JavaScript fallback on a cold JIT, about 0.4 s of CPU in a synth of prod
  // (bench/RESULTS.md, issue 28, sixth round). What is loaded and run is the same either way.
  setImmediate(() => {
    main(process.argv.slice(2)).then(
      // exitCode, not exit(): exit() would cut off output still queued for a pipe.
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error("synth failed:", error);
        process.exitCode = 3;
      },
    );
  });
}
