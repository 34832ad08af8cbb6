/**
 * Flux notifications for one namespace: per target, a Secret holding the webhook address, a
 * Provider reading it, an Alert on errors of every Flux object in that namespace and, with
 * `events: "changes"`, a second Alert (`<name>-changes`) on what Flux created, changed or deleted
 * there, which includes the drift it corrects (flux-manifests.ts, CHANGE_EVENT_PATTERNS).
 *
 * One namespace only, by design: with multi-tenancy, notification-controller drops events from
 * namespaces other than the Alert's, so an Alert in flux-system never hears about tenant objects.
 * Create one FluxNotifications per namespace that should alert (Flux does flux-system; the
 * platform adds one per tenant that has targets of its own). In a tenant namespace, the tenant's
 * admins and the Git content reconciled as the tenant can read the Secret, so they can see the
 * webhook address: give a tenant only a webhook it may post to, never the platform's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { alert, changesAlert, NotificationEvents, notificationProvider } from "./flux-manifests";
import { fluxResource } from "./flux-resource";
import { GUARDRAIL_LABEL, managedLabels } from "./labels";

export interface NotificationTarget {
  /** DNS-1123 name of the Provider and Alert; the Secret is `<name>-webhook`. */
  name: string;
  type: "slack" | "msteams" | "generic";
  /** Slack channel; ignored by msteams and generic. */
  channel?: string;
  /** The webhook URL. Stored only in the Secret and kept secret in Pulumi state. */
  address: pulumi.Input<string>;
  /**
   * "errors" (default): failures only. "changes": also every object Flux creates, changes or
   * deletes in the namespace (a change set per reconciliation that changed something, a Helm
   * release installed or upgraded, drift corrected), never "reconciliation finished" noise.
   */
  events?: NotificationEvents;
}

export interface FluxNotificationsArgs {
  /** Kubernetes provider of the cluster. */
  provider: k8s.Provider;
  /** Namespace the Secrets, Providers and Alerts go in, and whose events they report. */
  namespace: pulumi.Input<string>;
  notifications: NotificationTarget[];
  /** Which events: "error" (default) or "info" (everything). */
  severity?: "info" | "error";
  /** The Flux install (see Flux.ready) and whatever creates the namespace: every object here waits for them. */
  fluxReady?: pulumi.Input<pulumi.Resource>[];
}

export class FluxNotifications extends pulumi.ComponentResource {
  /** Names of the Alerts created. */
  readonly alertNames: pulumi.Output<string[]>;

  constructor(name: string, args: FluxNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:FluxNotifications", name, {}, opts);
    // Guardrail-labelled: in a tenant namespace the tenant may not change them (tenantGuardrailPolicy).
    const labels = { ...managedLabels(), [GUARDRAIL_LABEL]: "true" };
    const alerts: pulumi.Output<string>[] = [];
    for (const target of args.notifications) {
      const secretName = `${target.name}-webhook`;
      const secret = new k8s.core.v1.Secret(
        `${name}-${target.name}-webhook`,
        { metadata: { name: secretName, namespace: args.namespace, labels }, stringData: { address: pulumi.secret(target.address) } },
        // fluxReady brings the namespace (flux-system comes with the Flux install, which waits
        // for node pools): a plain namespace name alone would race it and lose.
        { parent: this, provider: args.provider, dependsOn: args.fluxReady ?? [] },
      );
      const fluxOpts = { parent: this, provider: args.provider, dependsOn: [...(args.fluxReady ?? []), secret] };
      const provider = fluxResource(
        `${name}-${target.name}-provider`,
        notificationProvider({ type: target.type, channel: target.channel, secretName }),
        { name: target.name, namespace: args.namespace, labels },
        fluxOpts,
      );
      const created = fluxResource(
        `${name}-${target.name}-alert`,
        alert({ providerName: target.name, severity: args.severity ?? "error" }),
        { name: target.name, namespace: args.namespace, labels },
        { ...fluxOpts, dependsOn: [...fluxOpts.dependsOn, provider] },
      );
      alerts.push(created.metadata.name);
      if (target.events === "changes") {
        // Beside the errors Alert, named after it: the errors Alert keeps its name and URN.
        const changes = fluxResource(
          `${name}-${target.name}-changes-alert`,
          changesAlert({ providerName: target.name }),
          { name: `${target.name}-changes`, namespace: args.namespace, labels },
          { ...fluxOpts, dependsOn: [...fluxOpts.dependsOn, provider] },
        );
        alerts.push(changes.metadata.name);
      }
    }
    this.alertNames = pulumi.all(alerts);
    this.registerOutputs({ alertNames: this.alertNames });
  }
}
