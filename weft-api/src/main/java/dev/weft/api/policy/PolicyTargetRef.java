package dev.weft.api.policy;

/** The Service a policy applies to, in the policy's namespace: {@code group} "" and {@code kind} "Service" (the defaults). */
public record PolicyTargetRef(String group, String kind, String name) {
}
