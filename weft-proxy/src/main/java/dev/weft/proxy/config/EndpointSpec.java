package dev.weft.proxy.config;

import com.google.protobuf.Struct;

/**
 * One lb_endpoint of a cluster's load_assignment, before name resolution.
 *
 * @param host                 IP address or DNS name
 * @param port                 port
 * @param weight               load_balancing_weight (default 1)
 * @param priority             the locality's priority (0 is highest)
 * @param healthy              false when health_status marks it UNHEALTHY, DRAINING, TIMEOUT or DEGRADED
 * @param transportSocketMatch its {@code metadata.filter_metadata["envoy.transport_socket_match"]}, which picks
 *                             the cluster's transport_socket_matches entry (empty when absent)
 * @param workload             its {@code metadata.filter_metadata["weft"]}: the workload and version serving there
 */
public record EndpointSpec(String host, int port, int weight, int priority, boolean healthy, Struct transportSocketMatch,
        WeftMetadata.Workload workload) {

    public EndpointSpec {
        if (transportSocketMatch == null) {
            transportSocketMatch = Struct.getDefaultInstance();
        }
        if (workload == null) {
            workload = WeftMetadata.Workload.NONE;
        }
    }

    /** An endpoint without workload metadata. */
    public EndpointSpec(String host, int port, int weight, int priority, boolean healthy, Struct transportSocketMatch) {
        this(host, port, weight, priority, healthy, transportSocketMatch, WeftMetadata.Workload.NONE);
    }

    /** An endpoint without metadata. */
    public EndpointSpec(String host, int port, int weight, int priority, boolean healthy) {
        this(host, port, weight, priority, healthy, Struct.getDefaultInstance(), WeftMetadata.Workload.NONE);
    }
}
