package dev.weft.api.gateway;

import java.util.List;

/**
 * Conditions that must all hold for a request to match: the path (default PathPrefix "/"), every header and query
 * parameter match, and the method when not null.
 */
public record HttpRouteMatch(PathMatch path, List<HeaderMatch> headers, List<QueryParamMatch> queryParams,
                             HttpMethod method) {

    public HttpRouteMatch {
        headers = headers == null ? List.of() : List.copyOf(headers);
        queryParams = queryParams == null ? List.of() : List.copyOf(queryParams);
    }
}
