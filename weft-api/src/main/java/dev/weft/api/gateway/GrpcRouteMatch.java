package dev.weft.api.gateway;

import java.util.List;

/** Conditions that must all hold for a call to match: the method (null: any) and every header match. */
public record GrpcRouteMatch(GrpcMethodMatch method, List<HeaderMatch> headers) {

    public GrpcRouteMatch {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }
}
