package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * The bootstrap's dynamic_resources, as Weft runs them: one ADS stream (gRPC, xDS v3) to the
 * control plane behind a static cluster, carrying LDS and CDS (and the RDS and EDS they name).
 *
 * @param clusterName the static cluster ads_config names (envoy_grpc.cluster_name)
 * @param host        the control plane's address: that cluster's endpoint
 * @param port        its port
 * @param node        who this proxy is, sent in every DiscoveryRequest
 */
public record XdsSource(String clusterName, String host, int port, Node node) {}
