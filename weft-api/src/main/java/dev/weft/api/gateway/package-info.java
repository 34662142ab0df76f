/**
 * Gateway API routing kinds as Weft reads them: {@code HTTPRoute} and {@code GRPCRoute} of
 * {@code gateway.networking.k8s.io/v1}, attached GAMMA-style to Services through {@code parentRefs}. Records carry
 * the Gateway API defaults already applied (a rule without matches matches PathPrefix "/", a backendRef weight is 1,
 * a redirect's status code is 302, ...).
 *
 * <p>A backendRef names either a Service ({@code group: ""}, {@code kind: Service}, the default) or a
 * Weft subset ({@code group: weft.dev}, {@code kind: Subset}): a named, label-selected part of a Service's instances
 * declared in a {@link dev.weft.api.policy.DestinationPolicy DestinationPolicy} of the same namespace (see
 * {@link dev.weft.api.policy.Subset}). Either way the ref needs a port: the Service port.
 */
package dev.weft.api.gateway;
