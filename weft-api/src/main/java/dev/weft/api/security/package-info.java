/**
 * Authorization under {@code weft.dev/v1alpha1}: {@link dev.weft.api.security.AuthorizationPolicySpec
 * AuthorizationPolicy}, who may call the workloads of a namespace, modelled on Istio's
 * {@code security.istio.io/v1} AuthorizationPolicy. The control plane translates the policies that select a sidecar
 * into the RBAC filters of its inbound listener; a DENY policy is evaluated before an ALLOW one.
 */
package dev.weft.api.security;
