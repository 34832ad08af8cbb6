/**
 * A lower bound for a synth, finer than bench/floor.ts: the floor's imports, then the resources of
 * a synth graph registered again through the same engine, each with its recorded type, name,
 * inputs, parent, provider and dependencies, and none of the program's own work (no config,
 * components, schema validation, policies or trees). The SDK's generic classes stand in for the
 * typed ones, which also create an output for every property their type declares, so the real
 * registrations cost at least this (bench/RESULTS.md, issue 28, eighth round).
 *
 *   npm run synth -- prod --json /tmp/prod.json
 *   node --import tsx bench/registrations-floor.ts /tmp/prod.json
 */
// The floor's module loads everything the floor loads (the compile cache first), and runs nothing.
import "./floor";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { RecordedResource, runProgram } from "../synth/engine";

/** The SDK's generic resource classes are abstract; the typed ones subclass them the same way. */
class ReplayedResource extends pulumi.CustomResource {}
class ReplayedProvider extends pulumi.ProviderResource {}

/** What the replay reads of a synth graph's resource. */
interface Recorded {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string | null;
  provider: string | null;
  dependencies: string[];
  inputs: Record<string, unknown>;
  stack: string;
}

/** The name a recorded resource is registered under: the tenant stacks reuse names the platform stack has. */
export function replayedName(resource: Pick<Recorded, "stack" | "name">): string {
  return `${resource.stack}-${resource.name}`;
}

/** Whether the replay registers the recorded resource: everything but the graph's stacks and stack references. */
export function isReplayed(resource: Pick<Recorded, "type">): boolean {
  return resource.type !== "pulumi:pulumi:Stack" && resource.type !== "pulumi:pulumi:StackReference";
}

/** Registers the graph's resources (isReplayed) in one stack; what the engine recorded. */
export async function replay(recorded: readonly Recorded[]): Promise<RecordedResource[]> {
  const run = await runProgram(
    () => {
      // A graph lists resources by URN, not in registration order: each is created after the
      // resources it names (parent, provider, dependencies).
      const byUrn = new Map(recorded.map((r) => [r.urn, r]));
      const created = new Map<string, pulumi.Resource | undefined>();
      const create = (urn: string | null): pulumi.Resource | undefined => {
        const r = urn === null ? undefined : byUrn.get(urn);
        if (r === undefined || !isReplayed(r)) return undefined;
        if (created.has(r.urn)) return created.get(r.urn);
        const parent = create(r.parent);
        const provider = create(r.provider) as ReplayedProvider | undefined;
        const dependsOn = r.dependencies.map(create).filter((d): d is pulumi.Resource => d !== undefined);
        const name = replayedName(r);
        const resource = r.type.startsWith("pulumi:providers:")
          ? new ReplayedProvider(r.type.slice("pulumi:providers:".length), name, r.inputs, { parent, dependsOn })
          : r.custom
            ? new ReplayedResource(r.type, name, r.inputs, { parent, provider, dependsOn })
            : new pulumi.ComponentResource(r.type, name, {}, { parent, dependsOn });
        created.set(r.urn, resource);
        return resource;
      };
      for (const r of recorded) create(r.urn);
      return {};
    },
    { stack: "replay" },
  );
  return run.resources;
}

if (require.main === module) {
  const graph = JSON.parse(readFileSync(process.argv[2], "utf8")) as { resources: Recorded[] };
  replay(graph.resources).then(
    (resources) => console.log(`replay: ${resources.length} resource(s) registered`),
    (error: unknown) => {
      console.error("replay failed:", error);
      process.exit(3);
    },
  );
}
