/**
 * Imported first by synth's entry points (synth/cli.ts) and by the benchmark's yardsticks
 * (bench/floor.ts, bench/sdk-floor.ts), so that every module loaded after it is compiled from
 * V8's code cache when an earlier run left one: Node's compile cache (`module.enableCompileCache`,
 * Node >= 22.1), in `NODE_COMPILE_CACHE` or else `<os.tmpdir()>/node-compile-cache`.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off. Loading @pulumi/pulumi, azure-native and the
 * project's modules is a third of prod synth's CPU time; the cache saves their compilation, never
 * changes what runs (a stale entry is recompiled: the cache checks each file's content hash).
 */
import * as nodeModule from "node:module";

/** `module.enableCompileCache`'s answer, or undefined on a Node without it. */
export const compileCache: { status: number; message?: string; directory?: string } | undefined = nodeModule.enableCompileCache?.();
