package dev.weft.api.gateway;

/** A processing step of a GRPCRoute rule or backendRef. */
public sealed interface GrpcRouteFilter permits RequestHeaderModifier, ResponseHeaderModifier, RequestMirror {

    /** The filter's {@code type} as written in YAML, e.g. "RequestMirror". */
    String type();
}
