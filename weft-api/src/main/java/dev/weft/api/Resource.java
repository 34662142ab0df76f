package dev.weft.api;

import java.util.Objects;
import java.util.Optional;

/** One resource: {@code apiVersion} and {@code kind} (given by the spec's type), {@code metadata} and {@code spec}. */
public record Resource<S extends Spec>(ObjectMeta metadata, S spec) {

    public Resource {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(spec, "spec");
        if (spec.kind().namespaced() == metadata.namespace().isEmpty()) {
            throw new IllegalArgumentException(spec.kind() + (spec.kind().namespaced()
                    ? " is namespaced; metadata.namespace must not be empty"
                    : " is cluster-scoped; metadata.namespace must be empty"));
        }
    }

    public Kind kind() {
        return spec.kind();
    }

    public String apiVersion() {
        return spec.kind().apiVersion();
    }

    public ResourceKey key() {
        return new ResourceKey(spec.kind(), metadata.namespace(), metadata.name());
    }

    /** This resource typed by its spec, when the spec is a {@code specType}. */
    @SuppressWarnings("unchecked")
    public <T extends Spec> Optional<Resource<T>> as(Class<T> specType) {
        return specType.isInstance(spec) ? Optional.of((Resource<T>) this) : Optional.empty();
    }

    public Resource<S> withMetadata(ObjectMeta newMetadata) {
        return new Resource<>(newMetadata, spec);
    }
}
