package dev.weft.api.gateway;

/**
 * Answers with a redirect instead of forwarding ({@code type: RequestRedirect}). Null fields keep the request's
 * scheme, hostname, path or port; {@code statusCode} is 301, 302 (default), 303, 307 or 308.
 */
public record RequestRedirect(String scheme, String hostname, PathModifier path, Integer port, int statusCode)
        implements HttpRouteFilter {

    public static final String TYPE = "RequestRedirect";
    public static final int DEFAULT_STATUS_CODE = 302;

    @Override
    public String type() {
        return TYPE;
    }
}
