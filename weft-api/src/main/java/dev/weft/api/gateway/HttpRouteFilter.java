package dev.weft.api.gateway;

/** A processing step of an HTTPRoute rule or backendRef. */
public sealed interface HttpRouteFilter
        permits RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, UrlRewrite, RequestMirror {

    /** The filter's {@code type} as written in YAML, e.g. "RequestHeaderModifier". */
    String type();
}
