package dev.weft.controlplane.client;

import java.util.List;

/** The answer to an apply: whether it was a dry run, the store generation after it, and one change per resource. */
public record ApplyResponse(boolean dryRun, long version, List<Change> changes) {

    public ApplyResponse {
        changes = List.copyOf(changes);
    }

    /** What happened (or would happen) to one resource: action "created", "configured" or "unchanged". */
    public record Change(String kind, String namespace, String name, String action) {
    }
}
