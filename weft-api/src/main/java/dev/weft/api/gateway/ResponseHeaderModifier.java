package dev.weft.api.gateway;

import java.util.List;

/** Edits the response headers ({@code type: ResponseHeaderModifier}). */
public record ResponseHeaderModifier(List<HttpHeader> set, List<HttpHeader> add, List<String> remove)
        implements HeaderModifier, HttpRouteFilter, GrpcRouteFilter {

    public static final String TYPE = "ResponseHeaderModifier";

    public ResponseHeaderModifier {
        set = set == null ? List.of() : List.copyOf(set);
        add = add == null ? List.of() : List.copyOf(add);
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
