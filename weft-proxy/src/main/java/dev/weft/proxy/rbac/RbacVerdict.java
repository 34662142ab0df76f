package dev.weft.proxy.rbac;

/**
 * What the RBAC filters decided for one request, kept on the request for the access log. The response
 * never says which policy denied; this does.
 *
 * @param denied  whether the request was denied (403 rbac_denied)
 * @param filter  the name of the HTTP filter that denied it, null when allowed
 * @param policy  the policy that denied it (a DENY filter's matching policy); null when allowed, or when an
 *                ALLOW filter denied it because none of its policies matched
 * @param audited the first policy of a LOG filter that matched, null when none did
 */
public record RbacVerdict(boolean denied, String filter, String policy, String audited) {
    /** Allowed, nothing audited: the common outcome, shared. */
    public static final RbacVerdict ALLOWED = new RbacVerdict(false, null, null, null);

    static RbacVerdict allowed(String audited) {
        return audited == null ? ALLOWED : new RbacVerdict(false, null, null, audited);
    }

    static RbacVerdict denied(String filter, String policy, String audited) {
        return new RbacVerdict(true, filter, policy, audited);
    }
}
