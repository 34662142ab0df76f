package dev.weft.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of Envoy's v3 API that Weft runs: per message type, the fields that may be set.
 * A field that is set but not listed here is a configuration error naming its path; nothing is
 * silently ignored. Each package that interprets a part of the API registers its own fields
 * (see {@code BootstrapFields}, {@code RouteFields}); docs/envoy-compat.md mirrors this table.
 */
public final class SupportedFields {
    private final Map<String, Set<String>> allowed = new HashMap<>();

    /** Allows the named fields (proto field names, snake_case) of {@code type}. */
    public SupportedFields allow(Descriptor type, String... fieldNames) {
        for (String f : fieldNames) {
            if (type.findFieldByName(f) == null) {
                throw new IllegalArgumentException(type.getFullName() + " has no field " + f);
            }
        }
        allowed.merge(type.getFullName(), Set.of(fieldNames), (a, b) -> {
            java.util.HashSet<String> s = new java.util.HashSet<>(a);
            s.addAll(b);
            return Set.copyOf(s);
        });
        return this;
    }

    /** Whether {@code field} of its containing type is in the supported subset. */
    public boolean isAllowed(FieldDescriptor field) {
        Set<String> s = allowed.get(field.getContainingType().getFullName());
        return s != null && s.contains(field.getName());
    }

    /** Whether any field of {@code type} is supported (the message type is known at all). */
    public boolean knows(Descriptor type) {
        return allowed.containsKey(type.getFullName());
    }

    /** Every supported field, as "type.field", sorted: the source of docs/envoy-compat.md. */
    public List<String> list() {
        return allowed.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(f -> e.getKey() + "." + f))
                .sorted()
                .toList();
    }
}
