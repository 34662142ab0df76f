package dev.weft.api.policy;

/** What a workload that no {@code AuthorizationPolicy} with action ALLOW selects does with a request. */
public enum AuthorizationDefault {
    /** Allows it (DENY policies still apply): the default. */
    ALLOW,
    /** Denies it: default-deny, every allowed call must be named by an ALLOW policy. */
    DENY
}
