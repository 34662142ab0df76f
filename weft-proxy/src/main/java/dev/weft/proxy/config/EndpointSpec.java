package dev.weft.proxy.config;

/**
 * One lb_endpoint of a cluster's load_assignment, before name resolution.
 *
 * @param host     IP address or DNS name
 * @param port     port
 * @param weight   load_balancing_weight (default 1)
 * @param priority the locality's priority (0 is highest)
 * @param healthy  false when health_status marks it UNHEALTHY, DRAINING, TIMEOUT or DEGRADED
 */
public record EndpointSpec(String host, int port, int weight, int priority, boolean healthy) {}
