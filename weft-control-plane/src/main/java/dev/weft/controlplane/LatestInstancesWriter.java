package dev.weft.controlplane;

import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.store.PersistedInstance;
import dev.weft.controlplane.store.ResourceStore;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the registry's run-time instances to the state file off the caller's thread, coalescing: when many
 * sidecars connect at once, their streams do not each wait for a forced disk write, and only the newest list is
 * written.
 */
final class LatestInstancesWriter implements ServiceRegistry.Persister {

    private static final Logger LOG = LoggerFactory.getLogger(LatestInstancesWriter.class);

    private final ResourceStore store;
    private final Executor executor;
    private final AtomicReference<List<PersistedInstance>> latest = new AtomicReference<>();
    private final AtomicBoolean pending = new AtomicBoolean();

    LatestInstancesWriter(ResourceStore store, Executor executor) {
        this.store = store;
        this.executor = executor;
    }

    @Override
    public void save(List<PersistedInstance> instances) {
        latest.set(instances);
        if (pending.compareAndSet(false, true)) {
            try {
                executor.execute(this::write);
            } catch (RejectedExecutionException e) {
                pending.set(false);
                LOG.warn("control plane closing: {} registry instances not written", instances.size());
            }
        }
    }

    private void write() {
        // cleared before reading, so that a list set meanwhile schedules another write
        pending.set(false);
        try {
            store.saveInstances(latest.get());
        } catch (java.io.IOException e) {
            LOG.error("cannot write registry instances to the state file; they are kept in memory", e);
        }
    }
}
