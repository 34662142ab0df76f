package dev.weft.controlplane.client;

/**
 * A service's golden signals over a window, as {@code GET /v1/stats/services} answers: requests counted, requests per
 * second, success rate (0-1; null without requests) and request duration p50/p95/p99 in milliseconds (null without
 * observations).
 */
public record ServiceStats(String namespace, String name, long requests, double rps, Double successRate, Double p50,
                           Double p95, Double p99) {
}
