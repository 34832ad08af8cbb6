/** The mock engine's record of a resource, as the policies read it. */
import type { RecordedResource } from "../synth/engine";
import type { CheckedResource } from "./types";

export function checkedFromRecord(record: RecordedResource): CheckedResource {
  return {
    urn: record.urn,
    type: record.type,
    name: record.name,
    // CrossGuard hands policies a resource's outputs (its inputs plus what the provider
    // computed, such as an identity's name and principalId); so does synth: the mock provider's
    // outputs, with the plain (unredacted) inputs on top.
    props: { ...record.outputs, ...record.values },
    protect: record.protect,
    secretPaths: Object.keys(record.secrets),
    links: { custom: record.custom, parent: record.parent, provider: record.provider, dependencies: record.dependencies },
  };
}
