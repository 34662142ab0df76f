package dev.weft.api.registry;

/** What a Service port speaks; the YAML spelling is the constant's name. */
public enum ServiceProtocol {
    HTTP, HTTP2, GRPC, TCP
}
