package dev.weft.controlplane.store;

import dev.weft.api.Resource;
import java.util.List;

/** What the state file holds: the store generation, the declared resources and the run-time registry instances. */
public record StoredState(long generation, List<Resource<?>> resources, List<PersistedInstance> instances) {

    /** The state of a new data directory. */
    public static final StoredState EMPTY = new StoredState(0, List.of(), List.of());

    public StoredState {
        resources = List.copyOf(resources);
        instances = List.copyOf(instances);
    }
}
