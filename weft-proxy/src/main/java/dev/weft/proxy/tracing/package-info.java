/**
 * Distributed tracing in the proxy: W3C trace context and B3 propagation ({@link dev.weft.proxy.tracing.Propagation}),
 * a SERVER span per received request and a CLIENT span per upstream attempt ({@link dev.weft.proxy.tracing.Tracer}),
 * sampling, and exporters that batch spans off the event loop to a Zipkin v2 or OTLP/HTTP JSON collector
 * ({@link dev.weft.proxy.tracing.SpanExporter}). Configured by an http_connection_manager's {@code tracing}.
 */
package dev.weft.proxy.tracing;
