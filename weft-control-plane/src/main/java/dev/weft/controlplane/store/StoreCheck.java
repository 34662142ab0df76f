package dev.weft.controlplane.store;

import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import java.util.List;
import java.util.Map;

/**
 * A rule about what the store may hold that only another part of the control plane knows (such as the trust domain
 * its CA issues for), checked against the whole store as a change would leave it, before the change commits.
 */
@FunctionalInterface
public interface StoreCheck {

    /** The problems of the store holding {@code after}; empty when it may. */
    List<ResourceProblem> check(Map<ResourceKey, Resource<?>> after);
}
