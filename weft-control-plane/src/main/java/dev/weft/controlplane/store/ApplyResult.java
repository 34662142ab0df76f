package dev.weft.controlplane.store;

import dev.weft.api.ResourceKey;
import java.util.List;

/**
 * What an apply did (or, for a dry run, would do): the store generation after it and one change per resource given,
 * in the order given.
 */
public record ApplyResult(boolean dryRun, long generation, List<Change> changes) {

    public ApplyResult {
        changes = List.copyOf(changes);
    }

    /** What happened to one resource. */
    public enum Action {
        CREATED, CONFIGURED, UNCHANGED;

        /** The lowercase spelling of the HTTP API. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One resource's change. */
    public record Change(ResourceKey key, Action action) {
    }
}
