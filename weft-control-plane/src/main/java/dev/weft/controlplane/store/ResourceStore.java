package dev.weft.controlplane.store;

import dev.weft.api.Kind;
import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import dev.weft.api.ResourceSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The declared resources, kept in the data directory's {@link StateFile} together with the registry's run-time
 * instances. Changes are all or nothing: a batch is validated as a whole against what is stored (the rules of
 * {@link ResourceSet#of} over the union, then the references of the batch) and either every resource is committed,
 * the file written and the generation raised by one, or nothing is. Readers get immutable {@link StoreSnapshot}s;
 * writers are serialised. Listeners run after each commit, on the committing thread but outside the store's
 * lock, and must return quickly.
 */
public final class ResourceStore {

    private final StateFile file;
    private final ServiceDirectory directory;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<StoreCheck> checks = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile StoreSnapshot current;
    /** Guarded by {@link #lock}. */
    private List<PersistedInstance> instances;

    /** A store holding {@code initial} (as loaded from {@code file}), checking references with {@code directory}. */
    public ResourceStore(StateFile file, StoredState initial, ServiceDirectory directory) {
        this.file = file;
        this.directory = directory;
        Map<ResourceKey, Resource<?>> byKey = new HashMap<>();
        initial.resources().forEach(r -> byKey.put(r.key(), r));
        this.current = new StoreSnapshot(initial.generation(), byKey);
        this.instances = initial.instances();
    }

    /** Runs {@code listener} after every committed change. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Refuses every apply or delete that would leave the store in a state {@code check} has problems with. */
    public void addCheck(StoreCheck check) {
        checks.add(check);
    }

    public StoreSnapshot snapshot() {
        return current;
    }

    public long generation() {
        return current.generation();
    }

    public Optional<Resource<?>> get(ResourceKey key) {
        return current.get(key);
    }

    /** The resources of {@code kind}, in {@code namespace} when it is not null, in key order. */
    public List<Resource<?>> list(Kind kind, String namespace) {
        return current.ofKind(kind).stream()
                .filter(r -> namespace == null || r.metadata().namespace().equals(namespace)).toList();
    }

    /**
     * Applies {@code batch} all or nothing, or with {@code dryRun} only works out what would change. Stored
     * resources get {@code metadata.generation} (1 when created, raised by each change) and
     * {@code metadata.resourceVersion} (the store generation of their last change); the same fields in the batch are
     * ignored.
     *
     * @throws ResourceException naming each offending resource and field path; nothing was applied
     * @throws IOException when the state file cannot be written; nothing was applied
     */
    public ApplyResult apply(List<Resource<?>> batch, boolean dryRun) throws ResourceException, IOException {
        ApplyResult result;
        synchronized (lock) {
            result = applyLocked(batch, dryRun);
        }
        if (!dryRun && result.changes().stream().anyMatch(c -> c.action() != ApplyResult.Action.UNCHANGED)) {
            listeners.forEach(Runnable::run);
        }
        return result;
    }

    private ApplyResult applyLocked(List<Resource<?>> batch, boolean dryRun) throws ResourceException, IOException {
        List<Resource<?>> given = batch.stream().<Resource<?>>map(ResourceStore::content).toList();
        ResourceSet.of(given);
        StoreSnapshot before = current;
        Map<ResourceKey, Resource<?>> union = new HashMap<>(before.resources());
        given.forEach(r -> union.put(r.key(), r));
        ResourceSet.of(List.copyOf(union.values()));
        List<ResourceProblem> problems = new ArrayList<>(ReferenceChecks.check(given, union, directory));
        checks.forEach(c -> problems.addAll(c.check(union)));
        if (!problems.isEmpty()) {
            throw new ResourceException(problems);
        }
        long generation = before.generation() + 1;
        Map<ResourceKey, Resource<?>> after = new HashMap<>(before.resources());
        List<ApplyResult.Change> changes = new ArrayList<>();
        for (Resource<?> resource : given) {
            Resource<?> stored = before.resources().get(resource.key());
            ApplyResult.Action action = stored == null ? ApplyResult.Action.CREATED
                    : content(stored).equals(resource) ? ApplyResult.Action.UNCHANGED
                    : ApplyResult.Action.CONFIGURED;
            changes.add(new ApplyResult.Change(resource.key(), action));
            if (action != ApplyResult.Action.UNCHANGED) {
                long resourceGeneration = stored == null ? 1 : stored.metadata().generation() + 1;
                after.put(resource.key(), resource.withMetadata(resource.metadata()
                        .withGeneration(resourceGeneration).withResourceVersion(Long.toString(generation))));
            }
        }
        boolean changed = changes.stream().anyMatch(c -> c.action() != ApplyResult.Action.UNCHANGED);
        if (dryRun || !changed) {
            return new ApplyResult(dryRun, before.generation(), changes);
        }
        commit(new StoreSnapshot(generation, after));
        return new ApplyResult(false, generation, changes);
    }

    /**
     * Deletes one resource; empty when there is none with that key.
     *
     * @throws ResourceException when a {@link StoreCheck} refuses the store without it; nothing was deleted
     */
    public Optional<Resource<?>> delete(ResourceKey key) throws IOException, ResourceException {
        Resource<?> removed;
        synchronized (lock) {
            StoreSnapshot before = current;
            removed = before.resources().get(key);
            if (removed == null) {
                return Optional.empty();
            }
            Map<ResourceKey, Resource<?>> after = new HashMap<>(before.resources());
            after.remove(key);
            List<ResourceProblem> problems = new ArrayList<>();
            checks.forEach(c -> problems.addAll(c.check(after)));
            if (!problems.isEmpty()) {
                throw new ResourceException(problems);
            }
            commit(new StoreSnapshot(before.generation() + 1, after));
        }
        listeners.forEach(Runnable::run);
        return Optional.of(removed);
    }

    /** Records the registry's run-time instances in the state file, next to the resources. */
    public void saveInstances(List<PersistedInstance> newInstances) throws IOException {
        synchronized (lock) {
            file.write(new StoredState(current.generation(), List.copyOf(current.resources().values()),
                    newInstances));
            instances = List.copyOf(newInstances);
        }
    }

    private void commit(StoreSnapshot next) throws IOException {
        file.write(new StoredState(next.generation(), List.copyOf(next.resources().values()), instances));
        current = next;
    }

    /** The resource without the fields the store sets, so that what was given compares with what is stored. */
    private static Resource<?> content(Resource<?> resource) {
        ObjectMeta m = resource.metadata();
        if (m.generation() == null && m.resourceVersion() == null) {
            return resource;
        }
        return resource.withMetadata(new ObjectMeta(m.name(), m.namespace(), m.labels(), m.annotations(), null, null));
    }
}
