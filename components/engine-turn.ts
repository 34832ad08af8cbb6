/**
 * Turns of the event loop a program takes between large batches of resources (GitOpsPlatform.build,
 * between tenants), so that the engine's answers to the registrations already made are handled
 * before more resources are built. Each registration is a chain of promises and of the monitor's
 * callbacks; a few turns let a tenant's chain finish under synth's in-process engine. The real
 * engine answers over gRPC, and a turn there only lets the requests go out and the answers come
 * in: nothing waits for a resource.
 */
import { setImmediate } from "node:timers/promises";

const TURNS = 3;

export async function engineTurn(): Promise<void> {
  for (let turn = 0; turn < TURNS; turn++) await setImmediate();
}
