package dev.weft.controlplane.store;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.Spec;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** An immutable view of the store at one generation: every resource by key, in key order. */
public final class StoreSnapshot {

    private final long generation;
    private final SortedMap<ResourceKey, Resource<?>> resources;

    StoreSnapshot(long generation, Map<ResourceKey, Resource<?>> resources) {
        this.generation = generation;
        this.resources = Collections.unmodifiableSortedMap(new TreeMap<>(resources));
    }

    /** The store generation: it grows by one with every apply or delete that changed something. */
    public long generation() {
        return generation;
    }

    public Map<ResourceKey, Resource<?>> resources() {
        return resources;
    }

    public Optional<Resource<?>> get(ResourceKey key) {
        return Optional.ofNullable(resources.get(key));
    }

    /** The resources of one kind, in key order. */
    public List<Resource<?>> ofKind(Kind kind) {
        return resources.values().stream().filter(r -> r.kind() == kind).toList();
    }

    /** The resources whose spec is a {@code specType}, typed, in key order. */
    public <S extends Spec> List<Resource<S>> ofType(Class<S> specType) {
        return resources.values().stream().flatMap(r -> r.as(specType).stream()).toList();
    }
}
