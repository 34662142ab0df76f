package dev.weft.api;

import dev.weft.api.internal.CrossChecks;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** An immutable set of resources with distinct keys, in the order they were given (for a load: file order, then document order). */
public final class ResourceSet implements Iterable<Resource<?>> {

    private static final ResourceSet EMPTY = new ResourceSet(Map.of());

    private final Map<ResourceKey, Resource<?>> byKey;

    private ResourceSet(Map<ResourceKey, Resource<?>> byKey) {
        this.byKey = byKey;
    }

    public static ResourceSet empty() {
        return EMPTY;
    }

    /**
     * A set of {@code resources}, checked against the rules that span resources: distinct keys, at most one
     * DestinationPolicy per Service, subset names unique per namespace. A control plane checks the union of what
     * it stores and what is applied this way.
     */
    public static ResourceSet of(Collection<? extends Resource<?>> resources) throws ResourceException {
        List<ResourceProblem> problems = CrossChecks.check(
                resources.stream().map(r -> new CrossChecks.Entry(r, null, 0, "")).toList());
        if (!problems.isEmpty()) {
            throw new ResourceException(problems);
        }
        return checked(resources);
    }

    /** A set of resources already known to pass {@link CrossChecks}. */
    static ResourceSet checked(Collection<? extends Resource<?>> resources) {
        Map<ResourceKey, Resource<?>> byKey = new LinkedHashMap<>();
        resources.forEach(r -> byKey.put(r.key(), r));
        return new ResourceSet(Collections.unmodifiableMap(byKey));
    }

    public List<Resource<?>> resources() {
        return List.copyOf(byKey.values());
    }

    public Set<ResourceKey> keys() {
        return byKey.keySet();
    }

    public Optional<Resource<?>> get(ResourceKey key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public List<Resource<?>> ofKind(Kind kind) {
        return byKey.values().stream().filter(r -> r.kind() == kind).toList();
    }

    /** The resources whose spec is a {@code specType}, typed. */
    public <S extends Spec> List<Resource<S>> ofType(Class<S> specType) {
        return byKey.values().stream().flatMap(r -> r.as(specType).stream()).toList();
    }

    public int size() {
        return byKey.size();
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    @Override
    public Iterator<Resource<?>> iterator() {
        return byKey.values().iterator();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResourceSet other && resources().equals(other.resources());
    }

    @Override
    public int hashCode() {
        return resources().hashCode();
    }

    @Override
    public String toString() {
        return "ResourceSet" + byKey.keySet();
    }
}
