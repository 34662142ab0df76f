/**
 * Weft's own policy kinds under {@code weft.dev/v1alpha1}: {@link dev.weft.api.policy.DestinationPolicySpec
 * DestinationPolicy} (how traffic to one Service is balanced, pooled and split into subsets) and
 * {@link dev.weft.api.policy.MeshConfigSpec MeshConfig} (mesh-wide identity and defaults).
 */
package dev.weft.api.policy;
