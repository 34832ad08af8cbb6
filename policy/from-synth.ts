/** The mock engine's record of a resource, as the policies read it. */
import type { RecordedResource } from "../synth/engine";
import type { CheckedResource } from "./types";

export function checkedFromRecord(record: RecordedResource): CheckedResource {
  return {
    urn: record.urn,
    type: record.type,
    name: record.name,
    props: record.values,
    protect: record.protect,
    secretPaths: Object.keys(record.secrets),
  };
}
