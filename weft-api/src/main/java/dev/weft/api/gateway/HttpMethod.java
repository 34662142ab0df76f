package dev.weft.api.gateway;

/** The HTTP methods an HTTPRoute match may name (RFC 7231, RFC 5789). */
public enum HttpMethod {
    GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH
}
