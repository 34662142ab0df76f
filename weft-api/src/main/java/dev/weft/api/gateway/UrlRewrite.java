package dev.weft.api.gateway;

/** Rewrites the Host header and/or the path while forwarding ({@code type: URLRewrite}); null fields are left as they are. */
public record UrlRewrite(String hostname, PathModifier path) implements HttpRouteFilter {

    public static final String TYPE = "URLRewrite";

    @Override
    public String type() {
        return TYPE;
    }
}
