/**
 * The platform's own virtual network: one subnet for every node pool, with the Key Vault service
 * endpoint. It is the network path from the cluster to a Key Vault that denies by default: pods
 * leave through their node's address in this subnet, the vault's `virtualNetworkRules` admit the
 * subnet, and traffic reaches Key Vault over the Azure backbone (learn.microsoft.com, "Virtual
 * network service endpoints for Azure Key Vault"). `bypass: AzureServices` does not cover AKS
 * pods, and the cluster's outbound IP is not known before the cluster exists.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { AzureComponentArgs, diagnosticSetting, resourceLock } from "./common";

/** The service endpoint that lets a subnet through a Key Vault firewall. */
export const KEY_VAULT_SERVICE_ENDPOINT = "Microsoft.KeyVault";
export const NODE_SUBNET_NAME = "nodes";

export interface PlatformNetworkArgs extends AzureComponentArgs {
  /** The VNet's address space, e.g. 10.224.0.0/12; must not overlap the pod or service CIDR. */
  addressSpace: string;
  /** The node subnet, inside the address space, e.g. 10.224.0.0/16 (one address per node). */
  nodeSubnet: string;
  /** Protect the VNet: deleting it means deleting the cluster whose nodes are in it. Default false. */
  protect?: boolean;
}

export class PlatformNetwork extends pulumi.ComponentResource {
  readonly virtualNetwork: network.VirtualNetwork;
  /** ARM id of the node subnet: AksCluster's `nodeSubnetId`, KeyVault's `allowedSubnetIds`. */
  readonly nodeSubnetId: pulumi.Output<string>;

  constructor(name: string, args: PlatformNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:PlatformNetwork", name, {}, opts);
    // The subnet is declared inline: a separate Subnet resource next to an inline list makes every
    // update of the VNet drop or re-add it (pulumi/pulumi-azure-native#611).
    this.virtualNetwork = new network.VirtualNetwork(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        addressSpace: { addressPrefixes: [args.addressSpace] },
        subnets: [{ name: NODE_SUBNET_NAME, addressPrefix: args.nodeSubnet, serviceEndpoints: [{ service: KEY_VAULT_SERVICE_ENDPOINT }] }],
      },
      { parent: this, protect: args.protect },
    );
    resourceLock(name, this.virtualNetwork, args.lock, { parent: this });
    diagnosticSetting(name, this.virtualNetwork, args.diagnostics, { parent: this });
    this.nodeSubnetId = pulumi.interpolate`${this.virtualNetwork.id}/subnets/${NODE_SUBNET_NAME}`;
    this.registerOutputs({ nodeSubnetId: this.nodeSubnetId });
  }
}
