package dev.weft.proxy.rbac;

/**
 * One compiled RBAC policy: it matches a request when any of its permissions and any of its
 * principals do. {@code index} numbers the policies of one {@link Authorization}, for its stats.
 */
record RbacPolicy(String name, int index, RequestMatcher permissions, RequestMatcher principals) {
    boolean matches(RbacRequest request) {
        return permissions.matches(request) && principals.matches(request);
    }
}
