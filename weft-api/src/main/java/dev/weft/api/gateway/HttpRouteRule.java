package dev.weft.api.gateway;

import java.util.List;

/**
 * One HTTPRoute rule: a request matching any of {@code matches} (at least one; the default is PathPrefix "/") goes
 * through {@code filters} to one of {@code backendRefs} by weight. {@code name}, {@code timeouts} and {@code retry}
 * are null when not set.
 */
public record HttpRouteRule(String name, List<HttpRouteMatch> matches, List<HttpRouteFilter> filters,
                            List<HttpBackendRef> backendRefs, HttpRouteTimeouts timeouts, HttpRouteRetry retry) {

    public HttpRouteRule {
        matches = matches == null ? List.of() : List.copyOf(matches);
        filters = filters == null ? List.of() : List.copyOf(filters);
        backendRefs = backendRefs == null ? List.of() : List.copyOf(backendRefs);
    }
}
