package dev.weft.api.security;

/** What an {@code AuthorizationPolicy} does with a request one of its rules matches. */
public enum AuthorizationAction {
    /**
     * The request is allowed if some ALLOW policy of the workload matches it (and no DENY policy does); once any
     * ALLOW policy selects a workload, a request no ALLOW policy matches is denied.
     */
    ALLOW,
    /** The request is denied; DENY policies are evaluated before ALLOW ones. */
    DENY,
    /** The request is only recorded (the proxy's audit stats); it decides nothing. */
    AUDIT
}
