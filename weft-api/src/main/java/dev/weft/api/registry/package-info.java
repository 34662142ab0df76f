/**
 * Static service registration under {@code weft.dev/v1alpha1}: {@link dev.weft.api.registry.ServiceSpec Service}
 * declares a service and its ports, {@link dev.weft.api.registry.ServiceInstanceSpec ServiceInstance} one instance of
 * it. Instance labels (such as {@code version} and {@code zone}, which subsets select on) are the instance's
 * {@code metadata.labels}, as a Kubernetes pod's are.
 */
package dev.weft.api.registry;
