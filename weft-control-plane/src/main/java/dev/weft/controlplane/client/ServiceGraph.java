package dev.weft.controlplane.client;

import java.util.List;

/**
 * The service graph over a window, as {@code GET /v1/stats/graph} answers: every known service (with its own signals)
 * and an edge per caller and callee that exchanged requests, with the signals the callers' sidecars measured.
 */
public record ServiceGraph(String window, List<ServiceStats> nodes, List<Edge> edges) {

    public ServiceGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /** {@code source} called {@code destination}: the signals of those calls. */
    public record Edge(String sourceNamespace, String source, String destinationNamespace, String destination,
                       long requests, double rps, Double successRate, Double p50, Double p95, Double p99) {
    }
}
