/**
 * Rolling Vault's pods onto a new StatefulSet revision, one at a time and the active node last.
 *
 * The chart keeps `updateStrategyType: OnDelete` (its default, and what HashiCorp's upgrade
 * guidance relies on): the StatefulSet controller then never restarts a pod, so a new image, a
 * new config or a renewed certificate (Vault rereads listener certificates only on SIGHUP or
 * restart) would never reach the pods. `RollingUpdate` would restart them, but from the highest
 * ordinal down, blind to which pod is the raft leader; restarting the leader before the standbys
 * costs an extra election and can fail over from a newer version to an older one, which Vault's
 * HA upgrade guide forbids. So a Job runs this script after each release change: it evicts the
 * outdated pods one by one, standbys first (highest ordinal first) and the active pod
 * (`vault-active=true`, set by Kubernetes service registration) last, and waits after each for
 * its replacement to be Ready (the readiness probe fails while a pod is sealed) at the new
 * revision, and for every pod to be Ready before the next. Evictions honour the
 * PodDisruptionBudget. Pure functions only.
 */
import { createHash } from "node:crypto";
import { shellQuote } from "./vault-bootstrap";

export interface RolloutInput {
  /** Namespace of the StatefulSet. */
  namespace: string;
  /** The StatefulSet's name (the chart fullname). */
  statefulSet: string;
  /** Label selector of the server pods, e.g. `app.kubernetes.io/instance=vault,component=server`. */
  selector: string;
  /** The API server. Default https://kubernetes.default.svc. */
  apiServer?: string;
  /** Where the pod's service account token and CA are mounted. */
  serviceAccountDir?: string;
  /** Memory-backed scratch directory. */
  workDir?: string;
  /** Polls (5 s apart) to wait for a pod or the cluster to become ready. Default 120 (10 minutes). */
  polls?: number;
}

/** The rollout script (bash, curl, jq: the bootstrap image). */
export function renderRolloutScript(input: RolloutInput): string {
  for (const [what, value] of [["namespace", input.namespace], ["statefulSet", input.statefulSet]] as const) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) throw new Error(`Vault rollout: ${what} ${JSON.stringify(value)} is not a DNS label`);
  }
  return `#!/bin/bash
# Vault rollout, rendered by gitops-platform (components/kubernetes/vault-rollout.ts).
set -euo pipefail
set +x
umask 077

readonly NS=${shellQuote(input.namespace)}
readonly STS=${shellQuote(input.statefulSet)}
readonly SELECTOR=${shellQuote(encodeURIComponent(input.selector))}
readonly API=${shellQuote(input.apiServer ?? "https://kubernetes.default.svc")}
readonly SA_DIR=${shellQuote(input.serviceAccountDir ?? "/var/run/secrets/kubernetes.io/serviceaccount")}
readonly WORK=${shellQuote(input.workDir ?? "/tmp/vault-rollout")}
readonly POLLS=${input.polls ?? 120}

log() { printf '%s vault-rollout: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK"
# The token goes to curl as a header file, never on a command line.
{ printf 'Authorization: Bearer '; cat "$SA_DIR/token"; } >"$WORK/auth"

# api METHOD PATH [BODY_FILE]: prints the HTTP status; the body lands in $WORK/out.
api() {
  local data=()
  if [ $# -ge 3 ]; then data=(--header 'Content-Type: application/json' --data-binary "@$3"); fi
  curl --silent --show-error --cacert "$SA_DIR/ca.crt" --header "@$WORK/auth" --request "$1" \\
    --output "$WORK/out" --write-out '%{http_code}' "\${data[@]}" "$API$2"
}

get() {
  local status
  status=$(api GET "$1") || die "GET $1: no answer"
  [ "$status" = 200 ] || die "GET $1 answered HTTP $status"
}

read_state() {
  local poll
  # The controller must have seen the latest spec, or updateRevision is the old one.
  for poll in $(seq 1 "$POLLS"); do
    get "/apis/apps/v1/namespaces/$NS/statefulsets/$STS"
    jq -e '(.status.observedGeneration // 0) >= (.metadata.generation // 0)' "$WORK/out" >/dev/null && break
    log "waiting for the StatefulSet controller to observe the new spec, poll $poll"
    sleep 5
  done
  REVISION=$(jq -r '.status.updateRevision // empty' "$WORK/out")
  REPLICAS=$(jq -r '.spec.replicas // 1' "$WORK/out")
  [ -n "$REVISION" ] || die "StatefulSet $STS has no update revision yet"
  get "/api/v1/namespaces/$NS/pods?labelSelector=$SELECTOR"
  mv "$WORK/out" "$WORK/pods.json"
}

# A pod that serves: Ready, and initialised and unsealed by Vault's own labels (service_registration
# "kubernetes" sets them). The readiness probe alone passes for an uninitialised pod (uninitcode),
# such as one that came back with an empty volume and has not joined raft yet.
SERVING='def serving: any(.status.conditions[]?; .type == "Ready" and .status == "True")
  and .metadata.labels["vault-initialized"] == "true" and .metadata.labels["vault-sealed"] == "false";'

ready_count() {
  jq "$SERVING"' [.items[] | select(.metadata.deletionTimestamp == null) | select(serving)] | length' "$WORK/pods.json"
}

# The next pod to replace: not at the update revision; standbys before the active pod, highest ordinal first.
next_pod() {
  jq -r --arg rev "$REVISION" '[.items[] | select(.metadata.labels["controller-revision-hash"] != $rev)]
    | sort_by([(.metadata.labels["vault-active"] == "true"), -(.metadata.name | split("-") | last | tonumber)])
    | .[0] | if . == null then "" else "\\(.metadata.name) \\(.metadata.uid) \\(.metadata.labels["vault-active"] // "false")" end' "$WORK/pods.json"
}

wait_all_ready() {
  local poll
  for poll in $(seq 1 "$POLLS"); do
    read_state
    [ "$(ready_count)" -ge "$REPLICAS" ] && return 0
    log "waiting for all $REPLICAS pods to be ready ($(ready_count) are), poll $poll"
    sleep 5
  done
  die "the Vault pods did not all become ready; nothing more is restarted"
}

evict() {
  local pod=$1 poll status
  jq -n --arg name "$pod" --arg ns "$NS" '{apiVersion: "policy/v1", kind: "Eviction", metadata: {name: $name, namespace: $ns}}' >"$WORK/eviction.json"
  for poll in $(seq 1 "$POLLS"); do
    status=$(api POST "/api/v1/namespaces/$NS/pods/$pod/eviction" "$WORK/eviction.json") || die "evicting $pod: no answer"
    case "$status" in
      200 | 201) return 0 ;;
      429) log "the disruption budget holds $pod back, poll $poll"; sleep 5 ;;
      *) die "evicting $pod answered HTTP $status" ;;
    esac
  done
  die "the disruption budget never let $pod go"
}

wait_replaced() {
  local pod=$1 uid=$2 poll
  for poll in $(seq 1 "$POLLS"); do
    read_state
    if jq -e --arg pod "$pod" --arg uid "$uid" --arg rev "$REVISION" "$SERVING"'.items[] | select(.metadata.name == $pod and .metadata.uid != $uid)
        | select(.metadata.labels["controller-revision-hash"] == $rev) | select(serving)' \\
        "$WORK/pods.json" >/dev/null; then
      return 0
    fi
    log "waiting for $pod to come back ready at $REVISION, poll $poll"
    sleep 5
  done
  die "$pod did not come back ready at $REVISION"
}

main() {
  local next pod uid active
  while true; do
    read_state
    next=$(next_pod)
    if [ -z "$next" ]; then
      log "every pod runs revision $REVISION"
      return 0
    fi
    wait_all_ready
    next=$(next_pod)
    [ -n "$next" ] || continue
    read -r pod uid active <<<"$next"
    log "replacing $pod (active: $active) to reach revision $REVISION"
    evict "$pod"
    wait_replaced "$pod" "$uid"
  done
}

main "$@"
`;
}

/**
 * What the server pods are made of, as far as Pulumi decides it: the chart version and the
 * values (image, config, the certificate's checksum annotation...). A change makes a new
 * rollout Job, so every change that gives the StatefulSet a new revision is rolled out.
 */
export function rolloutTrigger(chartVersion: string, values: unknown, script: string): string {
  return createHash("sha256").update(JSON.stringify([chartVersion, values, script])).digest("hex");
}

/** sha256 of a PEM, for the server pods' certificate annotation. */
export function certificateChecksum(pem: string): string {
  return createHash("sha256").update(pem).digest("hex");
}
