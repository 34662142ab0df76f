package dev.weft.proxy.rbac;

/**
 * A compiled Envoy RBAC {@code Principal} or {@code Permission}: a tree of these is built once per
 * configuration and evaluated per request without allocating. Implementations are immutable.
 */
@FunctionalInterface
interface RequestMatcher {
    RequestMatcher ANY = request -> true;

    boolean matches(RbacRequest request);

    /** Matches when every one of {@code all} does (an empty list matches everything, as Envoy's empty and_ids). */
    static RequestMatcher and(RequestMatcher[] all) {
        if (all.length == 1) {
            return all[0];
        }
        return request -> {
            for (RequestMatcher m : all) {
                if (!m.matches(request)) {
                    return false;
                }
            }
            return true;
        };
    }

    /** Matches when any one of {@code any} does. */
    static RequestMatcher or(RequestMatcher[] any) {
        if (any.length == 1) {
            return any[0];
        }
        return request -> {
            for (RequestMatcher m : any) {
                if (m.matches(request)) {
                    return true;
                }
            }
            return false;
        };
    }

    static RequestMatcher not(RequestMatcher m) {
        return request -> !m.matches(request);
    }
}
