package dev.weft.api.gateway;

/**
 * Sends a copy of a {@code fraction} of requests to {@code backendRef} and ignores its responses
 * ({@code type: RequestMirror}). YAML {@code percent: N} reads as N/100; neither percent nor fraction means all.
 */
public record RequestMirror(BackendObjectRef backendRef, Fraction fraction) implements HttpRouteFilter, GrpcRouteFilter {

    public static final String TYPE = "RequestMirror";

    @Override
    public String type() {
        return TYPE;
    }
}
