/** The mock engine's record of a resource, as the policies read it. */
import type { RecordedResource } from "./recorded";
import type { CheckedResource } from "./types";

export function checkedFromRecord(record: RecordedResource): CheckedResource {
  return {
    urn: record.urn,
    type: record.type,
    name: record.name,
    // Synth hands policies the mock provider's outputs with the plain (unredacted) inputs on
    // top, so they see what the program asked for. CrossGuard hands them the outputs alone, which
    // lack inputs such as ARM path parameters; policies reach those through propertyDependencies
    // (policy/links.ts), and test/crossguard.ts runs every fixture in that shape too.
    props: { ...record.outputs, ...record.values },
    protect: record.protect,
    secretPaths: Object.keys(record.secrets),
    secretOutputs: record.additionalSecretOutputs,
    links: {
      custom: record.custom,
      parent: record.parent,
      provider: record.provider,
      dependencies: record.dependencies,
      propertyDependencies: record.propertyDependencies,
    },
  };
}
