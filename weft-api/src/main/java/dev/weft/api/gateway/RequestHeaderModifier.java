package dev.weft.api.gateway;

import java.util.List;

/** Edits the request headers ({@code type: RequestHeaderModifier}). */
public record RequestHeaderModifier(List<HttpHeader> set, List<HttpHeader> add, List<String> remove)
        implements HeaderModifier, HttpRouteFilter, GrpcRouteFilter {

    public static final String TYPE = "RequestHeaderModifier";

    public RequestHeaderModifier {
        set = set == null ? List.of() : List.copyOf(set);
        add = add == null ? List.of() : List.copyOf(add);
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
