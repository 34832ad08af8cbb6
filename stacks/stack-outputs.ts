/**
 * The program's stack outputs without the ones a stack does not have (Sealed Secrets or managed
 * Prometheus off): the Node SDK warns "Undefined value (<key>) will not show as a stack output"
 * for every top-level undefined (@pulumi/pulumi runtime/stack.js, massage), and drops it anyway.
 * Leaving them out says the same without a warning in every synth and deployment. Pure.
 */
export function withoutUndefinedOutputs<T extends Record<string, unknown>>(outputs: T): Partial<T> {
  return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined)) as Partial<T>;
}
