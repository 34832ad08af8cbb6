/**
 * What a tenant stack's graph says about the platform stack underneath it, from the platform's
 * contract (stacks/contract.ts) as the tenant stack read it. The tenant program reads the contract
 * through a StackReference (stacks/load-tenants.ts), and the engine records that read as a
 * resource of the tenant stack whose `outputs` are the platform stack's outputs: synth's mock
 * engine does (synth/mocks.ts), and so does the real engine, whose state CrossGuard hands the
 * pack. So this is known wherever a tenant stack is judged alone: synth with `--platform-outputs`
 * (a real `pulumi stack output --json --show-secrets`, no synthesized platform resources beside
 * it) and a tenant stack's real preview under CrossGuard. The one place rules learn it from.
 */
import { ContractError, CONTRACT_OUTPUT, readContract } from "../stacks/contract";
import { CheckedResource, get } from "./types";

export const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** The stack a URN belongs to (`urn:pulumi:<stack>::...`). */
export function stackOfUrn(urn: string): string {
  return urn.slice("urn:pulumi:".length, urn.indexOf("::"));
}

/** What the contracts in a graph register: per tenant stack, the namespaces the platform created for its tenants; and the contracts that could not be read. */
export interface ContractRegistry {
  /** Tenant stack name -> namespaces the platform stack holds for that stack's tenants. */
  namespaces: ReadonlyMap<string, ReadonlySet<string>>;
  /** Tenant stack name -> those of its namespaces the platform granted image automation. */
  imageAutomation: ReadonlyMap<string, ReadonlySet<string>>;
  /** The stacks that read a contract at all (readable or not). */
  readers: ReadonlySet<string>;
  /** Why a StackReference's contract was not used (a version this code does not know, a broken shape), by the reference's URN. */
  unreadable: ReadonlyMap<string, string>;
}

/**
 * The namespaces each tenant stack's platform registered to it: for every StackReference in the
 * graph that carries a contract, its registry entries whose stack is the reference's own stack.
 * An entry registered to another stack counts for that stack only when that stack's own
 * reference says so: a tenant stack never learns from its contract that another stack's
 * namespace is its own. A contract that does not parse registers nothing.
 */
export function contractRegistry(resources: readonly CheckedResource[]): ContractRegistry {
  const namespaces = new Map<string, Set<string>>();
  const imageAutomation = new Map<string, Set<string>>();
  const unreadable = new Map<string, string>();
  const readers = new Set<string>();
  for (const reference of resources) {
    if (reference.type !== STACK_REFERENCE) continue;
    const value = get(reference.props, "outputs", CONTRACT_OUTPUT);
    if (value === undefined) continue;
    const stack = stackOfUrn(reference.urn);
    readers.add(stack);
    let contract;
    try {
      contract = readContract(value, String(get(reference.props, "name") ?? reference.name));
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      unreadable.set(reference.urn, error.message);
      continue;
    }
    for (const registered of Object.values(contract.tenants)) {
      if (registered.stack !== stack) continue;
      addTo(namespaces, stack, registered.namespace);
      if (registered.imageAutomation) addTo(imageAutomation, stack, registered.namespace);
    }
  }
  return { namespaces, imageAutomation, readers, unreadable };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
