package dev.weft.api;

import java.util.Comparator;
import java.util.Objects;

/** Identifies a resource: kind, namespace ("" for cluster-scoped kinds) and name. Ordered by kind, namespace, name. */
public record ResourceKey(Kind kind, String namespace, String name) implements Comparable<ResourceKey> {

    private static final Comparator<ResourceKey> ORDER = Comparator.comparing(ResourceKey::kind)
            .thenComparing(ResourceKey::namespace).thenComparing(ResourceKey::name);

    public ResourceKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public int compareTo(ResourceKey other) {
        return ORDER.compare(this, other);
    }

    /** "HTTPRoute default/reviews", or "MeshConfig mesh" for a cluster-scoped kind. */
    @Override
    public String toString() {
        return kind.kindName() + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
    }
}
