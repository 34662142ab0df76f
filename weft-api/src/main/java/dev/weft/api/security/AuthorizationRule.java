package dev.weft.api.security;

import java.util.List;

/**
 * One rule of an {@code AuthorizationPolicy}: it matches a request when some source of {@code from}, some
 * operation of {@code to} and every condition of {@code when} match it. An empty list (the field left out) places
 * no constraint, so a rule with all three empty matches every request.
 *
 * @param from the {@code source}s of {@code from: [{source: ...}]}, ORed
 * @param to the {@code operation}s of {@code to: [{operation: ...}]}, ORed
 * @param when conditions, ANDed
 */
public record AuthorizationRule(List<Source> from, List<Operation> to, List<Condition> when) {

    /** The rule that matches every request. */
    public static final AuthorizationRule ANY = new AuthorizationRule(List.of(), List.of(), List.of());

    public AuthorizationRule {
        from = from == null ? List.of() : List.copyOf(from);
        to = to == null ? List.of() : List.copyOf(to);
        when = when == null ? List.of() : List.copyOf(when);
    }
}
